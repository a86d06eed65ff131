"""Reason codes owned by bootstrap (trust and control: roles, policies, posture, apply, verify)."""

from fraud_platform.core.reasons import reason

__all__ = [
    "BOOTSTRAP_CREDENTIALS_INVALID",
    "BOOTSTRAP_GRANT_EXTRA_INVALID",
    "BOOTSTRAP_IDENTITIES_INVALID",
    "BOOTSTRAP_IDENTITIES_NOT_LIVE",
    "BOOTSTRAP_NOT_APPLIED",
    "BOOTSTRAP_PROFILE_UNSUPPORTED",
    "POSTURE_VIOLATION",
]

_OWNER = "bootstrap"

POSTURE_VIOLATION = reason(
    "POSTURE_VIOLATION",
    "verify found a probe or a bucket/topic setting whose observed outcome differs from the role model",
    owner=_OWNER,
)
BOOTSTRAP_NOT_APPLIED = reason(
    "BOOTSTRAP_NOT_APPLIED",
    "a role has no credentials yet (run `fp bootstrap apply` before `verify`)",
    owner=_OWNER,
)
BOOTSTRAP_CREDENTIALS_INVALID = reason(
    "BOOTSTRAP_CREDENTIALS_INVALID",
    "FP_HOME/credentials/roles.json is unreadable, malformed or not private (0600)",
    owner=_OWNER,
)
BOOTSTRAP_IDENTITIES_INVALID = reason(
    "BOOTSTRAP_IDENTITIES_INVALID",
    "the SeaweedFS identities file is unreadable, malformed or lacks the operator identity",
    owner=_OWNER,
)
BOOTSTRAP_IDENTITIES_NOT_LIVE = reason(
    "BOOTSTRAP_IDENTITIES_NOT_LIVE",
    "the S3 server did not accept the rewritten role identities before the deadline",
    owner=_OWNER,
    transient=True,
)
BOOTSTRAP_GRANT_EXTRA_INVALID = reason(
    "BOOTSTRAP_GRANT_EXTRA_INVALID",
    "a --grant-extra override is not ROLE:ACTION:bucket[/prefix] for a known role and action",
    owner=_OWNER,
)
BOOTSTRAP_PROFILE_UNSUPPORTED = reason(
    "BOOTSTRAP_PROFILE_UNSUPPORTED",
    "this bootstrap step cannot run for the profile (e.g. key issuing outside local_parity)",
    owner=_OWNER,
)
