"""Rendering of the role model into AWS IAM identity policies (least privilege by prefix).

One policy per role: `s3:GetObject` / `s3:PutObject` on `arn:aws:s3:::bucket/prefix*`, and
`s3:ListBucket` on the bucket with an `s3:prefix` condition listing exactly the prefixes the role may
list. Deletes appear only in the operator's policy; the operator alone also administers buckets.
The same documents are used for dev_min (real AWS) and shown in the local plan for review.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fraud_platform.bootstrap.model import minimal_prefixes
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind, ObjectAction, ObjectGrant, object_grants_of

__all__ = [
    "BUCKET_ADMIN_ACTIONS",
    "DELETE_ACTIONS",
    "IAM_VERSION",
    "PUT_ACTIONS",
    "bucket_arn",
    "iam_role_name",
    "object_arn",
    "render_iam_policy",
]

IAM_VERSION = "2012-10-17"
PUT_ACTIONS = ("s3:AbortMultipartUpload", "s3:PutObject")
DELETE_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
BUCKET_ADMIN_ACTIONS = (
    "s3:CreateBucket",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:ListBucketVersions",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
)

_ACTION_VERBS: dict[ObjectAction, tuple[str, ...]] = {
    ObjectAction.GET: ("s3:GetObject",),
    ObjectAction.PUT: PUT_ACTIONS,
    ObjectAction.DELETE: DELETE_ACTIONS,
}
_SID_BUCKET = {BucketKind.OBJECT_STORE: "ObjectStore", BucketKind.EVIDENCE: "Evidence"}


def iam_role_name(profile: str, role: str) -> str:
    """The IAM role (and Confluent service account) name of a platform role: `fp-{profile}-{role}`."""
    return f"fp-{profile}-{role}"


def bucket_arn(bucket: str) -> str:
    """`arn:aws:s3:::bucket`."""
    return f"arn:aws:s3:::{bucket}"


def object_arn(bucket: str, prefix: str) -> str:
    """`arn:aws:s3:::bucket/prefix*` (the whole bucket when `prefix` is empty)."""
    return f"{bucket_arn(bucket)}/{prefix}*"


def _object_statements(
    grants: tuple[ObjectGrant, ...], buckets: Mapping[BucketKind, str]
) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for kind in BucketKind:
        mine = [grant for grant in grants if grant.bucket is kind]
        if not mine:
            continue
        bucket = buckets[kind]
        for action in (ObjectAction.GET, ObjectAction.PUT, ObjectAction.DELETE):
            prefixes = minimal_prefixes(grant.prefix for grant in mine if action in grant.actions)
            if prefixes:
                statements.append(
                    {
                        "Sid": f"{action.value.capitalize()}{_SID_BUCKET[kind]}",
                        "Effect": "Allow",
                        "Action": list(_ACTION_VERBS[action]),
                        "Resource": [object_arn(bucket, prefix) for prefix in prefixes],
                    }
                )
        list_prefixes = minimal_prefixes(grant.prefix for grant in mine if ObjectAction.LIST in grant.actions)
        if list_prefixes:
            statement: dict[str, Any] = {
                "Sid": f"List{_SID_BUCKET[kind]}",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [bucket_arn(bucket)],
            }
            if "" not in list_prefixes:
                statement["Condition"] = {"StringLike": {"s3:prefix": [f"{p}*" for p in list_prefixes]}}
            statements.append(statement)
    return statements


def render_iam_policy(role: str, buckets: Mapping[BucketKind, str]) -> dict[str, Any]:
    """The IAM identity policy document of `role` for the profile's `buckets`."""
    statements = _object_statements(object_grants_of(role), buckets)
    if role == OPERATOR:
        statements.append(
            {
                "Sid": "AdministerBuckets",
                "Effect": "Allow",
                "Action": list(BUCKET_ADMIN_ACTIONS),
                "Resource": [bucket_arn(buckets[kind]) for kind in BucketKind],
            }
        )
    return {"Version": IAM_VERSION, "Statement": statements}
