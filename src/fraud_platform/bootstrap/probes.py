"""The probe matrix: for every role, every probe site and {put, get, list, delete}, plus the canaries.

Each probe's expected outcome comes from the role model (`model.object_allowed`), never from the
rendered policies, so a policy that drifts from the model (too broad or too narrow) shows up as a
probe whose observed outcome differs. Keys carry a per-run nonce, so concurrent verifies never
collide, and live only under probe sites (deletable by the operator, expired by lifecycle) except
the canary deletes, which target the permanent truth canaries and must be refused for every role.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from fraud_platform.bootstrap.model import object_allowed, topic_allowed
from fraud_platform.bootstrap.roles import ROLES, BucketKind, ObjectAction, TopicOperation, topic_grants_of
from fraud_platform.bootstrap.sites import canary_key, probe_sites
from fraud_platform.eb.topics import AUDIT_TOPIC, TOPICS
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = [
    "S3_ACTION_NAMES",
    "ObjectProbe",
    "Seed",
    "TopicProbe",
    "object_probes",
    "seed_objects",
    "topic_probes",
]

S3_ACTION_NAMES: dict[ObjectAction, str] = {
    ObjectAction.PUT: "s3:PutObject",
    ObjectAction.GET: "s3:GetObject",
    ObjectAction.LIST: "s3:ListBucket",
    ObjectAction.DELETE: "s3:DeleteObject",
}


class _Kind(enum.StrEnum):
    SHARED_SEED = "seed"
    ROLE_SEED = "del"


@dataclass(frozen=True)
class Seed:
    """An object the operator writes before the probes run (read and delete targets)."""

    location: S3Location
    body: bytes


@dataclass(frozen=True)
class ObjectProbe:
    """One S3 call under one role, with the outcome the role model expects."""

    role: str
    action: ObjectAction
    bucket: BucketKind
    location: S3Location
    expect_allow: bool
    is_canary: bool = False


@dataclass(frozen=True)
class TopicProbe:
    """One produce or consume under one role; `expect_allow` from the topic grants."""

    role: str
    topic: str
    expect_allow: bool
    operation: TopicOperation = TopicOperation.PRODUCE


def _seed_key(site: str, nonce: str, role: str | None) -> str:
    if role is None:
        return f"{site}{_Kind.SHARED_SEED}.{nonce}.probe"
    return f"{site}{_Kind.ROLE_SEED}.{role}.{nonce}.probe"


def seed_objects(buckets: Mapping[BucketKind, str], nonce: str) -> list[Seed]:
    """The objects the operator writes first: one shared read target per site, one delete target per role."""
    seeds: list[Seed] = []
    for kind in BucketKind:
        for site in probe_sites(kind):
            for role in (None, *ROLES):
                key = _seed_key(site, nonce, role)
                seeds.append(Seed(S3Location(buckets[kind], key), f"bootstrap probe seed {key}\n".encode()))
    return seeds


def object_probes(buckets: Mapping[BucketKind, str], nonce: str) -> list[ObjectProbe]:
    """The full S3 matrix, in a stable order (role, bucket, site, action)."""
    probes: list[ObjectProbe] = []
    for role in ROLES:
        for kind in BucketKind:
            bucket = buckets[kind]
            for site in probe_sites(kind):
                targets = {
                    ObjectAction.PUT: f"{site}put.{role}.{nonce}.probe",
                    ObjectAction.GET: _seed_key(site, nonce, None),
                    ObjectAction.LIST: site,
                    ObjectAction.DELETE: _seed_key(site, nonce, role),
                }
                for action, key in targets.items():
                    allowed = object_allowed(role, kind, key, action)
                    probes.append(ObjectProbe(role, action, kind, S3Location(bucket, key), allowed))
            canary = canary_key(kind)
            probes.append(
                ObjectProbe(
                    role,
                    ObjectAction.DELETE,
                    kind,
                    S3Location(bucket, canary),
                    object_allowed(role, kind, canary, ObjectAction.DELETE),
                    is_canary=True,
                )
            )
    return probes


def topic_probes(*, allowed_consumes: bool = False) -> list[TopicProbe]:
    """Per role: one allowed produce (the audit topic where granted), one produce and one consume it
    must not make, and with `allowed_consumes` one consume it may make (a real consumer-group join,
    seconds each: worth it where ACLs exist, pointless where they do not)."""
    probes: list[TopicProbe] = []
    for role in ROLES:
        produce = [
            grant.topic for grant in topic_grants_of(role) if grant.operation is TopicOperation.PRODUCE
        ]
        if produce:
            topic = AUDIT_TOPIC if AUDIT_TOPIC in produce else produce[0]
            probes.append(TopicProbe(role, topic, True))
        for operation in (TopicOperation.PRODUCE, TopicOperation.CONSUME):
            forbidden = [spec.name for spec in TOPICS if not topic_allowed(role, spec.name, operation)]
            if forbidden:
                probes.append(TopicProbe(role, forbidden[0], False, operation))
        consume = [
            grant.topic for grant in topic_grants_of(role) if grant.operation is TopicOperation.CONSUME
        ]
        if allowed_consumes and consume:
            probes.append(TopicProbe(role, consume[0], True, TopicOperation.CONSUME))
    return probes
