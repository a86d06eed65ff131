"""Bucket posture: public access blocked, SSE-S3, versioning by role, lifecycle for transient data.

Versioning follows what each bucket holds and what the store can refuse:
- the evidence bucket is the audit record: *Enabled* everywhere (an overwrite or delete leaves the
  old version);
- the object store is write-once by protocol (If-None-Match) and pointer history lives in its own
  objects. On AWS the bucket policy makes the store refuse an overwrite without the header, so
  versioning stays *Suspended* there. SeaweedFS cannot express that condition, so on the local
  substrates it is *Enabled*: an overwrite by a client that skips the header is still accepted, but
  the original bytes stay recoverable as a noncurrent version (measured on SeaweedFS 4.48:
  If-None-Match and If-Match keep their 412s on a versioned bucket, a put with If-None-Match after a
  delete succeeds, and every version reads back by its id). `verify` proves it with a real overwrite.

Lifecycle rules cover only transient data; truth never expires. S3 lifecycle filters take literal
prefixes or tags, never wildcards, so transient data below a run id (`fraud-platform/*/wsp/`
checkpoints, `_tmp/` and attempt scratch) is matched by the tag `fp-retention=transient` that its
writers set, and the literal bootstrap probe-site roots are matched by prefix (so leftovers of an
interrupted `verify` are collected even if nobody runs it again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraud_platform.bootstrap.roles import TRUTH_PREFIXES, BucketKind

__all__ = [
    "PUBLIC_ACCESS_BLOCK",
    "SSE_ALGORITHM",
    "TRANSIENT_TAG",
    "BucketPosture",
    "bucket_postures",
    "lifecycle_rules",
    "transient_patterns",
    "versioning_of",
]

SSE_ALGORITHM = "AES256"
TRANSIENT_TAG = ("fp-retention", "transient")
PUBLIC_ACCESS_BLOCK: dict[str, bool] = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
_TRANSIENT_DAYS = 7
_TMP_DAYS = 1
_PROBE_DAYS = 1
_MULTIPART_DAYS = 2
_TRANSIENT_PATTERNS = ("fraud-platform/*/wsp/", "*/_tmp/", "*/attempts/")
_VERSIONING_MANAGED = {BucketKind.OBJECT_STORE: "Suspended", BucketKind.EVIDENCE: "Enabled"}
_VERSIONING_LOCAL = {BucketKind.OBJECT_STORE: "Enabled", BucketKind.EVIDENCE: "Enabled"}


@dataclass(frozen=True)
class BucketPosture:
    """Everything bootstrap sets on one bucket (the policy is rendered separately, per dialect)."""

    kind: BucketKind
    name: str
    versioning: str
    sse_algorithm: str
    public_access_block: Mapping[str, bool]
    lifecycle_rules: tuple[Mapping[str, Any], ...]
    truth_prefixes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The plan's view of this bucket."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "versioning": self.versioning,
            "sse": {"algorithm": self.sse_algorithm},
            "public_access_block": dict(self.public_access_block),
            "lifecycle_rules": [dict(rule) for rule in self.lifecycle_rules],
            "truth_prefixes": list(self.truth_prefixes),
        }


def versioning_of(kind: BucketKind, *, local: bool) -> str:
    """The planned versioning status of a bucket (see the module docstring for why it differs)."""
    return (_VERSIONING_LOCAL if local else _VERSIONING_MANAGED)[kind]


def lifecycle_rules(
    kind: BucketKind, probe_prefixes: tuple[str, ...], *, versioned: bool
) -> tuple[dict[str, Any], ...]:
    """The lifecycle rules of one bucket, in the S3 `LifecycleConfiguration.Rules` shape."""
    rules: list[dict[str, Any]] = [
        {
            "ID": "abort-incomplete-multipart",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": _MULTIPART_DAYS},
        },
        {
            "ID": "expire-root-tmp",
            "Filter": {"Prefix": "_tmp/"},
            "Status": "Enabled",
            "Expiration": {"Days": _TMP_DAYS},
        },
    ]
    if kind is BucketKind.OBJECT_STORE:
        rules.append(
            {
                "ID": "expire-transient-tagged",
                "Filter": {"Tag": {"Key": TRANSIENT_TAG[0], "Value": TRANSIENT_TAG[1]}},
                "Status": "Enabled",
                "Expiration": {"Days": _TRANSIENT_DAYS},
            }
        )
    for index, prefix in enumerate(probe_prefixes):
        rule: dict[str, Any] = {
            "ID": f"expire-bootstrap-probes-{index}",
            "Filter": {"Prefix": prefix},
            "Status": "Enabled",
            "Expiration": {"Days": _PROBE_DAYS},
        }
        if versioned:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": _PROBE_DAYS}
        rules.append(rule)
    return tuple(rules)


def transient_patterns() -> tuple[str, ...]:
    """The key patterns whose writers must tag objects `fp-retention=transient` (documented in the plan)."""
    return _TRANSIENT_PATTERNS


def bucket_postures(
    buckets: Mapping[BucketKind, str], probe_prefixes: Mapping[BucketKind, tuple[str, ...]], *, local: bool
) -> tuple[BucketPosture, ...]:
    """The posture of both buckets, object store first."""
    return tuple(
        BucketPosture(
            kind=kind,
            name=buckets[kind],
            versioning=versioning_of(kind, local=local),
            sse_algorithm=SSE_ALGORITHM,
            public_access_block=PUBLIC_ACCESS_BLOCK,
            lifecycle_rules=lifecycle_rules(
                kind, probe_prefixes[kind], versioned=versioning_of(kind, local=local) == "Enabled"
            ),
            truth_prefixes=TRUTH_PREFIXES[kind],
        )
        for kind in BucketKind
    )
