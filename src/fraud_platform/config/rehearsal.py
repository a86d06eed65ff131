"""The dev_min rehearsal switch: dev_min pointed at local substrates, marked everywhere, never a PASS.

A rehearsal exercises the dev_min code paths (explicit pins, SASL-shaped settings, role credentials
from the environment) against the local substrates, so it relaxes exactly the rules that make a local
substrate impossible and nothing else:

- relaxed: `DEV_MIN_LOCAL_ENDPOINT`, `DEV_MIN_SQLITE_REFUSED`, `DEV_MIN_PLAINTEXT_KAFKA`;
- still enforced: every required pin (`PIN_MISSING`), `PIN_NOT_EXPLICIT`, `DEV_MIN_LOCAL_PATH`
  (Oracle roots stay `s3://`), the schema (`PROFILE_INVALID`), and "never read local_pins.json".

What it costs: `profile.rehearsal` is True, every record must carry `run_flags(profile)` (so says
`"rehearsal": true`), and a verdict must pass through :func:`assert_not_rehearsal_pass`, which refuses
a PASS with `REHEARSAL_CANNOT_PASS`: a rehearsal proves the code, never the managed substrate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fraud_platform.config._reasons import (
    DEV_MIN_LOCAL_ENDPOINT,
    DEV_MIN_PLAINTEXT_KAFKA,
    DEV_MIN_SQLITE_REFUSED,
    PROFILE_INVALID,
    REHEARSAL_CANNOT_PASS,
)
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import ReasonCode

__all__ = [
    "REHEARSAL_ENV",
    "RELAXED_BY_REHEARSAL",
    "assert_not_rehearsal_pass",
    "rehearsal_from_env",
    "run_flags",
]

REHEARSAL_ENV = "FP_DEV_MIN_REHEARSAL"
RELAXED_BY_REHEARSAL: frozenset[ReasonCode] = frozenset(
    {DEV_MIN_LOCAL_ENDPOINT, DEV_MIN_SQLITE_REFUSED, DEV_MIN_PLAINTEXT_KAFKA}
)
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"", "0", "false", "no"})


def rehearsal_from_env(env: Mapping[str, str]) -> bool:
    """Whether `FP_DEV_MIN_REHEARSAL` asks for a rehearsal; a value that is neither yes nor no is refused."""
    raw = env.get(REHEARSAL_ENV, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise FailClosed(
        PROFILE_INVALID,
        f"{REHEARSAL_ENV} must be 1/true/yes or 0/false/no, got {raw!r}",
        {"variable": REHEARSAL_ENV},
    )


def run_flags(profile: Profile) -> dict[str, Any]:
    """The flags every record written under `profile` carries: `{"profile": …, "rehearsal": …}`."""
    return {"profile": profile.profile, "rehearsal": profile.rehearsal}


def assert_not_rehearsal_pass(profile: Profile) -> None:
    """Call before reporting PASS: under a rehearsal it raises REHEARSAL_CANNOT_PASS.

    The run lane records the rehearsal's own outcome (checks that passed) but its verdict can only be
    a refusal, so no dev_min PASS can ever come from local substrates.
    """
    if profile.rehearsal:
        raise FailClosed(
            REHEARSAL_CANNOT_PASS,
            f"profile {profile.profile} ran as a rehearsal on local substrates; it cannot report PASS",
            run_flags(profile),
        )
