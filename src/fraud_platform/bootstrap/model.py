"""What the role model says a role may do: the oracle every verify probe is judged against.

Matching follows AWS IAM resource patterns: `*` matches any run of characters, `/` included, and
nothing else is special. A grant on prefix `p` covers key `k` when `k` matches `p*`; a list call
with prefix `q` is covered when `q` matches `p*` (the `s3:prefix` condition of `s3:ListBucket`).
Deletes are allowed only to the operator and only under the bucket's deletable prefixes, whatever
else a table row says: the bucket policy denies every other principal, and everyone on truth (see
`bucket_policy`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from fraud_platform.bootstrap.roles import (
    OPERATOR,
    TOPIC_GRANTS,
    BucketKind,
    ObjectAction,
    TopicOperation,
    object_grants_of,
)
from fraud_platform.bootstrap.sites import deletable_prefixes

__all__ = ["minimal_prefixes", "object_allowed", "pattern_matches", "topic_allowed"]


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern))
    )


def pattern_matches(pattern: str, text: str) -> bool:
    """Whether `text` matches the IAM-style `pattern` as a whole (`*` = any characters)."""
    return _compiled(pattern).fullmatch(text) is not None


def minimal_prefixes(prefixes: Iterable[str]) -> list[str]:
    """The sorted prefixes not already covered by another one (`oracle-store/*/x/` under `oracle-store/`)."""
    unique = set(prefixes)
    return sorted(p for p in unique if not any(q != p and pattern_matches(q + "*", p) for q in unique))


def object_allowed(role: str, bucket: BucketKind, key: str, action: ObjectAction) -> bool:
    """Whether the role model allows `role` to `action` the key (or, for LIST, the prefix) `key`."""
    if action is ObjectAction.DELETE and (
        role != OPERATOR or not any(key.startswith(prefix) for prefix in deletable_prefixes(bucket))
    ):
        return False
    return any(
        action in grant.actions and pattern_matches(grant.prefix + "*", key)
        for grant in object_grants_of(role)
        if grant.bucket is bucket
    )


def topic_allowed(role: str, topic: str, operation: TopicOperation) -> bool:
    """Whether the role model allows `role` to `operation` on `topic`."""
    return any(
        grant.role == role and grant.topic == topic and grant.operation is operation for grant in TOPIC_GRANTS
    )
