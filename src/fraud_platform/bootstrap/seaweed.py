"""Rendering of the role model into SeaweedFS identity actions (the `-s3.config` identities file).

SeaweedFS 4.48 checks `Verb:bucket/key` against each action with glob matching, measured here:
- `Read` covers GET and HEAD, `Write` covers PUT, multipart *and delete*, `List` covers ListObjects
  with the request's prefix as the key (a bare `List:bucket` is needed for an unprefixed list);
- a mid-path wildcard works as in IAM: `Write:b/oracle-store/*/stream_view/*` allows
  `oracle-store/ns/run/stream_view/…` and denies `oracle-store/ns/run/x` and
  `oracle-store/ns/run/stream_viewX/…`, so `oracle_sorter` gets exactly its IAM scope locally;
- since `Write` includes delete, put-only is enforced by the bucket policy (`bucket_policy`).
"""

from __future__ import annotations

from collections.abc import Mapping

from fraud_platform.bootstrap.model import minimal_prefixes
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind, ObjectAction, object_grants_of

__all__ = ["OPERATOR_ACTIONS", "render_seaweed_actions", "seaweed_action"]

OPERATOR_ACTIONS: tuple[str, ...] = ("Admin", "List", "Read", "Tagging", "Write")

_VERBS: dict[ObjectAction, str] = {
    ObjectAction.GET: "Read",
    ObjectAction.PUT: "Write",
    ObjectAction.LIST: "List",
    ObjectAction.DELETE: "Write",
}


def seaweed_action(verb: str, bucket: str, prefix: str) -> str:
    """`Verb:bucket` for a whole bucket, else `Verb:bucket/prefix*`."""
    return f"{verb}:{bucket}" if prefix == "" else f"{verb}:{bucket}/{prefix}*"


def render_seaweed_actions(role: str, buckets: Mapping[BucketKind, str]) -> tuple[str, ...]:
    """The sorted, de-duplicated identity actions of `role` (the operator is a SeaweedFS admin)."""
    if role == OPERATOR:
        return OPERATOR_ACTIONS
    grants = object_grants_of(role)
    actions = {
        seaweed_action(verb, buckets[kind], prefix)
        for kind in BucketKind
        for object_action, verb in _VERBS.items()
        for prefix in minimal_prefixes(
            grant.prefix for grant in grants if grant.bucket is kind and object_action in grant.actions
        )
    }
    return tuple(sorted(actions))
