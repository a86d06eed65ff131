"""Bucket policies: only the operator deletes, nobody deletes truth, and (AWS) nobody overwrites it.

Two delete-deny statements per bucket:
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

Write-once enforced by the store (AWS dialect only; SeaweedFS cannot express the condition key):
- `DenyOverwriteOfWriteOnce` refuses `s3:PutObject` on the write-once scopes (`roles.WRITE_ONCE_SCOPES`)
  when the request carries no `If-None-Match`, so a client that skips the header cannot replace
  truth. The condition keys and the multipart exemption follow AWS's "Enforce conditional writes on
  Amazon S3 buckets" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html):
  `Null s3:if-none-match` is true when the header is absent, and `Bool s3:ObjectCreationOperation`
  is true only for the calls that create the object (PutObject, CompleteMultipartUpload, CopyObject),
  false for CreateMultipartUpload, UploadPart and UploadPartCopy, which are authorised as
  `s3:PutObject` yet cannot carry the header. So a multipart upload still works, and its
  CompleteMultipartUpload (which our adapter sends with `If-None-Match: *`) is where the deny bites.
  The same page notes that CopyObject into such a scope is refused; nothing here copies.
- A whole-bucket scope (`""`, the evidence bucket) is rendered with `NotResource` naming the bucket's
  compare-and-swap documents, the one exemption; a list of folders is rendered with `Resource`.
- `DenyUnconditionalMove` refuses a put to a compare-and-swap document (`roles.CAS_DOCUMENTS`) that
  carries neither `If-None-Match` nor `If-Match`: those documents move only by compare-and-swap.
"""

from __future__ import annotations

import enum
from typing import Any

from fraud_platform.bootstrap.iam import DELETE_ACTIONS, IAM_VERSION, bucket_arn, iam_role_name, object_arn
from fraud_platform.bootstrap.roles import CAS_DOCUMENTS, OPERATOR, WRITE_ONCE_SCOPES, BucketKind
from fraud_platform.bootstrap.sites import deletable_prefixes

__all__ = ["CREATION_OPERATION", "PolicyDialect", "render_bucket_policy", "write_once_statements"]

CREATION_OPERATION = {"Bool": {"s3:ObjectCreationOperation": "true"}}


class PolicyDialect(enum.StrEnum):
    """Which substrate's policy language a document is rendered for."""

    AWS = "aws"
    SEAWEEDFS = "seaweedfs"


def _operator_exemption(dialect: PolicyDialect, profile: str, operator_identity: str) -> dict[str, Any]:
    if dialect is PolicyDialect.AWS:
        arn = f"arn:aws:iam::*:role/{iam_role_name(profile, OPERATOR)}"
        return {"ArnNotLike": {"aws:PrincipalArn": [arn]}}
    return {"StringNotEquals": {"aws:username": [operator_identity]}}


def _exact_arn(bucket: str, pattern: str) -> str:
    return f"{bucket_arn(bucket)}/{pattern}"


def write_once_statements(kind: BucketKind, bucket: str) -> list[dict[str, Any]]:
    """The AWS statements that make the store refuse overwrites of write-once data (module docstring)."""
    scopes = WRITE_ONCE_SCOPES[kind]
    cas = [_exact_arn(bucket, pattern) for pattern in CAS_DOCUMENTS[kind]]
    where: dict[str, list[str]] = (
        {"NotResource": cas} if scopes == ("",) else {"Resource": [object_arn(bucket, p) for p in scopes]}
    )
    return [
        {
            "Sid": "DenyOverwriteOfWriteOnce",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:PutObject"],
            **where,
            "Condition": {"Null": {"s3:if-none-match": "true"}, **CREATION_OPERATION},
        },
        {
            "Sid": "DenyUnconditionalMove",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:PutObject"],
            "Resource": cas,
            "Condition": {"Null": {"s3:if-match": "true", "s3:if-none-match": "true"}, **CREATION_OPERATION},
        },
    ]


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
        statements.extend(write_once_statements(kind, bucket))
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
