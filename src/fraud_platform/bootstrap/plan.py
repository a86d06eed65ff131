"""The bootstrap plan: one deterministic document of everything `apply` sets and `verify` proves.

Same profile → same bytes (cj1): the plan holds no timestamps, endpoints, ports or keys, only bucket
names, topic specs and the policies rendered from the role tables. Its digest is what an apply
report and a posture report cite, so "which posture was proven" is never ambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._files import write_private_file
from fraud_platform.bootstrap.bucket_policy import PolicyDialect, render_bucket_policy
from fraud_platform.bootstrap.iam import iam_role_name, render_iam_policy
from fraud_platform.bootstrap.kafka_acl import consumer_group_prefix, local_principal, render_kafka_acls
from fraud_platform.bootstrap.posture import TRANSIENT_TAG, bucket_postures, transient_patterns
from fraud_platform.bootstrap.roles import (
    OPERATOR,
    ROLE_DESCRIPTIONS,
    ROLES,
    BucketKind,
    object_grants_of,
    topic_grants_of,
)
from fraud_platform.bootstrap.seaweed import render_seaweed_actions
from fraud_platform.bootstrap.sites import canary_key, deletable_prefixes, probe_sites, site_roots
from fraud_platform.config.kafka_keys import kafka_principals, service_account_variable
from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import Digest, canonical_file_bytes, digest_of
from fraud_platform.eb.topics import TOPICS

__all__ = [
    "LOCAL_GAPS",
    "PLAN_SCHEMA",
    "bucket_names",
    "build_plan",
    "default_plan_path",
    "is_local",
    "plan_digest",
    "write_plan",
]

PLAN_SCHEMA = "fp.bootstrap.plan/1"

LOCAL_GAPS: tuple[dict[str, str], ...] = (
    {
        "control": "public_access_block",
        "why": "SeaweedFS 4.48 answers NotImplemented to PutPublicAccessBlock; every request is signed anyway",
    },
    {
        "control": "kafka_acls",
        "why": "tansu has no ACLs and no SASL: any client may produce to or consume from any topic",
    },
    {"control": "transport_tls", "why": "loopback endpoints are plain http/PLAINTEXT; AWS denies non-TLS"},
    {
        "control": "store_enforced_write_once",
        "why": "SeaweedFS bucket policies cannot express s3:if-none-match: an overwrite without the header "
        "is accepted; the object store is versioned instead, so the original stays recoverable",
    },
)


def is_local(profile: Profile) -> bool:
    """Whether the profile runs on the local substrates (local_parity, or a dev_min rehearsal)."""
    return profile.profile == "local_parity" or profile.rehearsal


def bucket_names(profile: Profile) -> dict[BucketKind, str]:
    """The profile's bucket name for each bucket kind."""
    return {
        BucketKind.OBJECT_STORE: profile.object_store.object_store_bucket,
        BucketKind.EVIDENCE: profile.object_store.evidence_bucket,
    }


def _role_entry(
    profile: Profile, role: str, buckets: Mapping[BucketKind, str], local: bool, principal: str
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "role": role,
        "description": ROLE_DESCRIPTIONS[role],
        "object_grants": [
            {
                "bucket": grant.bucket.value,
                "bucket_name": buckets[grant.bucket],
                "prefix": grant.prefix,
                "actions": [action.value for action in grant.actions],
            }
            for grant in object_grants_of(role)
        ],
        "topic_grants": [
            {"topic": grant.topic, "operation": grant.operation.value} for grant in topic_grants_of(role)
        ],
        "consumer_group_prefix": consumer_group_prefix(role),
        "iam_role_name": iam_role_name(profile.profile, role),
        "iam_policy": render_iam_policy(role, buckets),
        "kafka_principal": principal,
        "kafka_acls": render_kafka_acls(principal, role),
    }
    if local:
        entry["seaweedfs_actions"] = list(render_seaweed_actions(role, buckets))
        if role == OPERATOR:
            entry["seaweedfs_identity"] = "kept as written by `fp substrate up` (an Admin identity)"
    return entry


def build_plan(profile: Profile) -> dict[str, Any]:
    """The plan document of `profile` (pure: no network, no clock, no randomness).

    Raises:
        FailClosed(PIN_MISSING / PROFILE_INVALID): dev_min without a valid service-account pin per
            role (`DEV_MIN_KAFKA_SERVICE_ACCOUNT_<ROLE>`), since its ACLs bind those accounts.
    """
    local = is_local(profile)
    pinned = kafka_principals(profile, ROLES)
    principals = pinned or {role: local_principal(profile.profile, role) for role in ROLES}
    dialect = PolicyDialect.SEAWEEDFS if local else PolicyDialect.AWS
    buckets = bucket_names(profile)
    roots = {kind: site_roots(kind) for kind in BucketKind}
    bucket_docs = []
    for posture in bucket_postures(buckets, roots, local=local):
        doc = posture.to_json()
        doc["policy"] = render_bucket_policy(
            posture.kind, posture.name, dialect=dialect, profile=profile.profile
        )
        doc["probe_sites"] = list(probe_sites(posture.kind))
        doc["deletable_prefixes"] = list(deletable_prefixes(posture.kind))
        doc["canary_key"] = canary_key(posture.kind)
        bucket_docs.append(doc)
    plan: dict[str, Any] = {
        "schema": PLAN_SCHEMA,
        "profile": profile.profile,
        "rehearsal": profile.rehearsal,
        "substrate": {
            "object_store": "seaweedfs" if local else "aws-s3",
            "bus": "tansu" if local else "confluent-cloud",
            "policy_dialect": dialect.value,
        },
        "buckets": bucket_docs,
        "topics": [
            {
                "name": spec.name,
                "partitions": spec.partitions,
                "retention_ms": spec.retention_ms,
                "cleanup_policy": spec.cleanup_policy,
            }
            for spec in TOPICS
        ],
        "roles": [_role_entry(profile, role, buckets, local, principals[role]) for role in ROLES],
        "kafka_principals_from": (
            "local names (unenforced)" if pinned is None else service_account_variable("<ROLE>")
        ),
        "transient_tag": {
            "key": TRANSIENT_TAG[0],
            "value": TRANSIENT_TAG[1],
            "applies_to": list(transient_patterns()),
            "why": "S3 lifecycle filters take no wildcards: writers of these prefixes tag their objects",
        },
        "local_gaps": [dict(gap) for gap in LOCAL_GAPS] if local else [],
    }
    return plan


def plan_digest(plan: Mapping[str, Any]) -> Digest:
    """The cj1 digest of a plan document."""
    return digest_of(dict(plan))


def default_plan_path(fp_home: Path, profile_name: str) -> Path:
    """`FP_HOME/bootstrap/plan-<profile>.json`."""
    return fp_home / "bootstrap" / f"plan-{profile_name}.json"


def write_plan(plan: Mapping[str, Any], path: Path) -> Digest:
    """Write the plan's cj1 file bytes to `path` (atomically) and return its digest."""
    write_private_file(path, canonical_file_bytes(dict(plan)), mode=0o644)
    return plan_digest(plan)
