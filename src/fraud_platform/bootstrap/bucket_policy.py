"""Bucket policies: only the operator deletes, and nobody deletes truth.

Two deny statements per bucket:
- `DenyDeleteOutsideDeletable` (everyone, the operator included): deletes are refused everywhere
  except the bucket's deletable prefixes (run data, scratch, bootstrap probe sites). Truth
  (`oracle-store/`, `evidence/`) is write-once, so removing it is a break-glass act (replace this
  policy, which `verify` reports until `apply` restores it), never a data-plane call. `NotResource`
  makes it fail closed: a prefix nobody listed is undeletable.
- `DenyDeleteExceptOperator` (everyone but the operator) on the whole bucket: the role model says
  the operator is the only role that deletes. On SeaweedFS this is what turns a `Write:` identity
  action into put-only, because `Write` there includes delete.

How "everyone but the operator" is written depends on the substrate (both measured):
- AWS: `ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/fp-{profile}-operator` (roles have no
  `aws:username`); the AWS dialect also adds `DenyInsecureTransport`.
- SeaweedFS 4.48: `ArnNotLike`/`ArnNotEquals` and `NotPrincipal` are refused as invalid policy
  documents, but `StringNotEquals aws:username <identity name>` is evaluated against the identity
  name; `NotResource` is honoured. Loopback has no TLS.
"""

from __future__ import annotations

import enum
from typing import Any

from fraud_platform.bootstrap.iam import DELETE_ACTIONS, IAM_VERSION, bucket_arn, iam_role_name, object_arn
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind
from fraud_platform.bootstrap.sites import deletable_prefixes

__all__ = ["PolicyDialect", "render_bucket_policy"]


class PolicyDialect(enum.StrEnum):
    """Which substrate's policy language a document is rendered for."""

    AWS = "aws"
    SEAWEEDFS = "seaweedfs"


def _operator_exemption(dialect: PolicyDialect, profile: str, operator_identity: str) -> dict[str, Any]:
    if dialect is PolicyDialect.AWS:
        arn = f"arn:aws:iam::*:role/{iam_role_name(profile, OPERATOR)}"
        return {"ArnNotLike": {"aws:PrincipalArn": [arn]}}
    return {"StringNotEquals": {"aws:username": [operator_identity]}}


def render_bucket_policy(
    kind: BucketKind,
    bucket: str,
    *,
    dialect: PolicyDialect,
    profile: str,
    operator_identity: str = OPERATOR,
) -> dict[str, Any]:
    """The bucket policy document of one bucket (deterministic: same inputs, same document)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyDeleteOutsideDeletable",
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(DELETE_ACTIONS),
            "NotResource": [object_arn(bucket, prefix) for prefix in deletable_prefixes(kind)],
        },
        {
            "Sid": "DenyDeleteExceptOperator",
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(DELETE_ACTIONS),
            "Resource": [object_arn(bucket, "")],
            "Condition": _operator_exemption(dialect, profile, operator_identity),
        },
    ]
    if dialect is PolicyDialect.AWS:
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*"],
                "Resource": [bucket_arn(bucket), object_arn(bucket, "")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    return {"Version": IAM_VERSION, "Statement": statements}
