"""Wiring of Oracle commands to a profile: one role's store, its ranged Parquet reader, its facts.

Commands stay thin by asking this module for what they need; tests build the same object with an
explicit environment, so the CLI and the tests exercise one path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fraud_platform.config import kafka_settings, load_profile, role_credentials
from fraud_platform.config.schema import Profile
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.substrate.factory import open_object_store, open_producer
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Credentials

if TYPE_CHECKING:
    from fraud_platform.oracle.check import CheckReport
    from fraud_platform.oracle.parquet import ArrowS3TailReader

__all__ = ["DEFAULT_ROLE", "OracleRuntime"]

# The Oracle's own role: it may land, seal and move pointers (and read what it wrote).
DEFAULT_ROLE = "oracle_lander"


@dataclass
class OracleRuntime:
    """A profile, one role's credentials and the store bound to them."""

    profile: Profile
    creds: S3Credentials
    store: ObjectStore
    _tails: ArrowS3TailReader | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls, profile_name: str, role: str = DEFAULT_ROLE, *, env: Mapping[str, str] | None = None
    ) -> OracleRuntime:
        """Load the profile and the role's credentials; contacts nothing yet."""
        profile = load_profile(profile_name, env=env)
        creds = role_credentials(profile, role)
        return cls(profile=profile, creds=creds, store=open_object_store(creds))

    @property
    def bucket(self) -> str:
        return self.profile.object_store.object_store_bucket

    def tails(self) -> ArrowS3TailReader:
        """Ranged reads for Parquet footers, with the same credentials (built on first use)."""
        if self._tails is None:
            from fraud_platform.oracle.parquet import ArrowS3TailReader  # pyarrow only when footers are read

            self._tails = ArrowS3TailReader(self.creds)
        return self._tails

    def check(self, root: str, scenario_id: str, outputs: Sequence[str] | None = None) -> CheckReport:
        from fraud_platform.oracle.check import check_pack  # the engine catalogue only when checking

        return check_pack(self.store, PackRoot.parse(root), scenario_id, outputs)

    def checked_pack_id(self, root: str, scenario_id: str) -> str:
        """The pack id of a root that passes the consumer check (else the check's error is raised)."""
        report = self.check(root, scenario_id)
        report.raise_for_failure()
        return str(report.oracle_pack_id)

    def emit(self, platform_run_id: str, family: str, details: Mapping[str, Any]) -> str:
        """Emit a governance fact for a run (evidence object + audit-bus record); returns its event_id."""
        producer = open_producer(kafka_settings(self.profile, self.creds.role))
        try:
            emitter = FactEmitter(self.store, producer, self.profile.object_store.evidence_bucket)
            pins = {
                "platform_run_id": platform_run_id,
                "profile": self.profile.profile,
                "rehearsal": self.profile.rehearsal,
            }
            return emitter.emit_fact(family, pins, details, actor=f"oracle:{self.creds.role}").event_id
        finally:
            producer.close()
