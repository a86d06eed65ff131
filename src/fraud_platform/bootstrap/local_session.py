"""Bootstrap the running local substrates of an FP_HOME in one call, and hand back every role's keys.

For the demo, the lane and the `bootstrapped` test fixture: after `fp substrate up`, this is
`fp bootstrap apply` plus the credentials of each role, so a caller can act as `sr`, `wsp`, `ig`, …
and meet exactly the denials the role model promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fraud_platform.bootstrap.apply import ApplyResult, apply_bootstrap
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import ROLES
from fraud_platform.config import LOCAL_PARITY, load_profile, role_credentials
from fraud_platform.config.schema import Profile
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.substrate.local import LocalSubstrates, substrates
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = ["BootstrappedSubstrates", "bootstrap_local_substrates"]


@dataclass(frozen=True)
class BootstrappedSubstrates:
    """Running, bootstrapped local substrates and the key pair of every role.

    Exposes the attributes of `LocalSubstrates` too (fp_home, s3_endpoint, kafka_bootstrap,
    operator, env), so it can stand in for it.
    """

    substrates: LocalSubstrates
    profile: Profile
    credentials: dict[str, S3Credentials]
    applied: ApplyResult

    @property
    def fp_home(self) -> Path:
        return self.substrates.fp_home

    @property
    def env(self) -> dict[str, str]:
        return self.substrates.env

    @property
    def s3_endpoint(self) -> str:
        return self.substrates.s3_endpoint

    @property
    def kafka_bootstrap(self) -> str:
        return self.substrates.kafka_bootstrap

    @property
    def operator(self) -> S3Credentials:
        return self.substrates.operator

    def ports(self) -> BootstrapPorts:
        """Fresh adapters for these substrates (per-role stores, operator admin, bus)."""
        return BootstrapPorts(self.profile, env=self.env, fp_home=self.fp_home)


def bootstrap_local_substrates(fp_home: Path, *, clock: Clock | None = None) -> BootstrappedSubstrates:
    """Apply the local_parity plan to the substrates running in `fp_home` (idempotent).

    Raises FailClosed(SUBSTRATE_NOT_RUNNING) when nothing runs there, and whatever `apply` raises.
    """
    handle = substrates(fp_home)
    profile = load_profile(LOCAL_PARITY, env=handle.env, fp_home=fp_home)
    applied = apply_bootstrap(
        profile,
        ports=BootstrapPorts(profile, env=handle.env, fp_home=fp_home),
        fp_home=fp_home,
        clock=clock or SystemClock(),
    )
    credentials = {role: role_credentials(profile, role, env=handle.env, fp_home=fp_home) for role in ROLES}
    return BootstrappedSubstrates(handle, profile, credentials, applied)
