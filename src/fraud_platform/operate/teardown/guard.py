"""The delete guard of teardown: a key outside the transient prefixes is refused before any request.

Why in code as well as in the bucket policy: the policy is the last line (and SeaweedFS renders it
only approximately); this guard makes a teardown bug fail closed on every substrate alike. Truth
(`oracle-store/`, `evidence/`) and the pointers are never deleted; anything not under a deletable
prefix of the role model (`fraud-platform/`, `_tmp/`) is refused too, so a new prefix nobody thought
of is protected by default.
"""

from __future__ import annotations

from fraud_platform.bootstrap.roles import DELETABLE_PREFIXES, TRUTH_PREFIXES
from fraud_platform.core.errors import FailClosed
from fraud_platform.operate._reasons import TEARDOWN_PROTECTED_PREFIX
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["PROTECTED_PREFIXES", "TRANSIENT_PREFIXES", "check_deletable", "guarded_delete"]

PROTECTED_PREFIXES: tuple[str, ...] = tuple(
    sorted({prefix for prefixes in TRUTH_PREFIXES.values() for prefix in prefixes} | {"pointers/"})
)
"""Never deleted by teardown, in any bucket."""

TRANSIENT_PREFIXES: tuple[str, ...] = tuple(
    sorted({prefix for prefixes in DELETABLE_PREFIXES.values() for prefix in prefixes})
)
"""The only prefixes teardown may delete under (the role model's deletable prefixes)."""


def check_deletable(location: S3Location) -> S3Location:
    """Return `location` if teardown may delete it; FailClosed(TEARDOWN_PROTECTED_PREFIX) otherwise."""
    key = location.key
    segments = key.split("/")
    refused = (
        not key
        or key.endswith("/")
        or key.startswith(PROTECTED_PREFIXES)
        or not key.startswith(TRANSIENT_PREFIXES)
        or any(segment in ("", ".", "..") for segment in segments)
    )
    if refused:
        raise FailClosed(
            TEARDOWN_PROTECTED_PREFIX,
            f"teardown refuses to delete {location.uri}: only single objects under "
            f"{', '.join(TRANSIENT_PREFIXES)} are transient ({', '.join(PROTECTED_PREFIXES)} never)",
            {"uri": location.uri},
        )
    return location


def guarded_delete(store: ObjectStore, location: S3Location) -> None:
    """Delete one object after the guard allowed it."""
    store.delete(check_deletable(location))
