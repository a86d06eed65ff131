"""The role model as data: one table of object grants and one of topic grants.

Everything bootstrap produces (AWS IAM JSON, the bucket policies, Confluent ACL bindings, SeaweedFS
identity actions, the verify probe matrix) is rendered from these two tables, so the policies and
the proof of the policies cannot drift apart.

Object grants name a bucket by its *kind* (the real names come from the profile) and a key prefix
that may hold `*` wildcards (`*` matches any run of characters, `/` included, as in AWS IAM).
An empty prefix means the whole bucket.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fraud_platform.eb.topics import AUDIT_TOPIC, CONTROL_TOPIC, TOPICS, TRAFFIC_AND_CONTEXT_TOPICS

__all__ = [
    "CAS_DOCUMENTS",
    "DELETABLE_PREFIXES",
    "OBJECT_GRANTS",
    "OPERATOR",
    "ROLES",
    "ROLE_DESCRIPTIONS",
    "TOPIC_GRANTS",
    "TRUTH_PREFIXES",
    "WRITE_ONCE_SCOPES",
    "BucketKind",
    "ObjectAction",
    "ObjectGrant",
    "TopicGrant",
    "TopicOperation",
    "object_grants_of",
    "topic_grants_of",
]

OPERATOR = "operator"

ROLES: tuple[str, ...] = (
    OPERATOR,
    "oracle_lander",
    "oracle_sorter",
    "sr",
    "wsp",
    "ig",
    "reporter",
    "auditor",
)

ROLE_DESCRIPTIONS: dict[str, str] = {
    OPERATOR: "provisions buckets, topics and identities; the only role that may delete",
    "oracle_lander": "lands engine worlds into oracle-store/, writes the seal and moves pointers/oracle/",
    "oracle_sorter": "reads packs, writes stream views under oracle-store/*/stream_view/ only",
    "sr": "reads packs, writes the SR run ledger, publishes READY on the control topic",
    "wsp": "reads packs and the SR ledger, writes its checkpoints, consumes READY",
    "ig": "reads the SR ledger, writes under its own ig/ folder, publishes and re-reads traffic and context",
    "reporter": "observes both buckets and the bus, writes run reports under evidence/runs/",
    "auditor": "reads evidence (governance facts) only; writes nothing anywhere",
}


class BucketKind(enum.StrEnum):
    """Which of the profile's two buckets a grant is about."""

    OBJECT_STORE = "object_store"
    EVIDENCE = "evidence"


class ObjectAction(enum.StrEnum):
    """Object-store verbs at the granularity the role model speaks (rendered per substrate)."""

    GET = "get"
    PUT = "put"
    LIST = "list"
    DELETE = "delete"


class TopicOperation(enum.StrEnum):
    """Bus verbs: produce (WRITE) and consume (READ with a consumer group)."""

    PRODUCE = "produce"
    CONSUME = "consume"


@dataclass(frozen=True, order=True)
class ObjectGrant:
    """`role` may do `actions` on keys of `bucket` that start with `prefix` (wildcards allowed)."""

    role: str
    bucket: BucketKind
    prefix: str
    actions: tuple[ObjectAction, ...]


@dataclass(frozen=True, order=True)
class TopicGrant:
    """`role` may `operation` on `topic`."""

    role: str
    topic: str
    operation: TopicOperation


# Truth is write-once: under these prefixes nobody deletes, not even the operator (bucket policy).
TRUTH_PREFIXES: dict[BucketKind, tuple[str, ...]] = {
    BucketKind.OBJECT_STORE: ("oracle-store/",),
    BucketKind.EVIDENCE: ("evidence/",),
}

# Where the operator may delete (besides the bootstrap probe sites): run data and scratch. Everything
# else, including any prefix nobody has thought of yet, is undeletable by policy (fail closed).
DELETABLE_PREFIXES: dict[BucketKind, tuple[str, ...]] = {
    BucketKind.OBJECT_STORE: ("_tmp/", "fraud-platform/"),
    BucketKind.EVIDENCE: ("_tmp/",),
}

_OS = BucketKind.OBJECT_STORE
_EV = BucketKind.EVIDENCE

# Where the store itself must refuse a put that lacks `If-None-Match` (dev_min bucket policy), so a
# client that skips the header cannot overwrite truth. A prefix, or "" for the whole bucket less the
# bucket's CAS documents. The object store lists its write-once folders one by one: it also holds
# documents moved by compare-and-swap and scratch that other writers may replace. The SR ledger's
# write-once documents are the plan, the records, the facts view and the READY signal (`sr/ledger.py`);
# pointer history entries are immutable, the pointer itself moves (`oracle/pointer.py`).
WRITE_ONCE_SCOPES: dict[BucketKind, tuple[str, ...]] = {
    _OS: (
        "oracle-store/",
        "fraud-platform/*/sr/run_plan/",
        "fraud-platform/*/sr/run_record/",
        "fraud-platform/*/sr/run_facts_view/",
        "fraud-platform/*/sr/ready_signal/",
        "pointers/oracle/*/history/",
    ),
    _EV: ("",),
}

# Documents moved by compare-and-swap (`put_if_match`): every put must carry If-Match or
# If-None-Match, and they are the only exemption inside a whole-bucket write-once scope.
CAS_DOCUMENTS: dict[BucketKind, tuple[str, ...]] = {
    _OS: ("fraud-platform/*/sr/run_status/*", "pointers/oracle/*.json"),
    _EV: ("evidence/runs/*/preflight.json", "evidence/runs/*/telemetry.json"),
}
_G, _P, _L, _D = ObjectAction.GET, ObjectAction.PUT, ObjectAction.LIST, ObjectAction.DELETE

# Governance facts: every component role writes under evidence/runs/ (write-once, so it also reads
# back what it wrote to tell an idempotent rerun from a conflict, and lists for sequence numbers).
_GOVERNANCE = ("evidence/runs/", (_G, _P, _L))

_TABLE: tuple[tuple[str, BucketKind, str, tuple[ObjectAction, ...]], ...] = (
    (OPERATOR, _OS, "", (_G, _P, _L, _D)),
    (OPERATOR, _EV, "", (_G, _P, _L, _D)),
    ("oracle_lander", _OS, "oracle-store/", (_G, _P, _L)),
    ("oracle_lander", _OS, "pointers/oracle/", (_G, _P, _L)),
    ("oracle_lander", _EV, *_GOVERNANCE),
    ("oracle_sorter", _OS, "oracle-store/", (_G, _L)),
    ("oracle_sorter", _OS, "oracle-store/*/stream_view/", (_G, _P, _L)),
    ("oracle_sorter", _EV, *_GOVERNANCE),
    ("sr", _OS, "oracle-store/", (_G, _L)),
    ("sr", _OS, "fraud-platform/*/sr/", (_G, _P, _L)),
    ("sr", _OS, "pointers/oracle/", (_G,)),
    ("sr", _EV, *_GOVERNANCE),
    ("wsp", _OS, "oracle-store/", (_G, _L)),
    ("wsp", _OS, "fraud-platform/*/sr/", (_G,)),
    ("wsp", _OS, "fraud-platform/*/wsp/", (_G, _P, _L)),
    ("wsp", _EV, *_GOVERNANCE),
    ("ig", _OS, "fraud-platform/*/sr/", (_G,)),
    ("ig", _OS, "fraud-platform/*/ig/", (_G, _P)),
    ("ig", _EV, *_GOVERNANCE),
    ("reporter", _OS, "", (_G, _L)),
    ("reporter", _EV, "", (_G, _L)),
    ("reporter", _EV, "evidence/runs/", (_G, _P, _L)),
    ("auditor", _EV, "evidence/", (_G, _L)),
)

OBJECT_GRANTS: tuple[ObjectGrant, ...] = tuple(
    ObjectGrant(role, bucket, prefix, actions) for role, bucket, prefix, actions in _TABLE
)

_PRODUCE, _CONSUME = TopicOperation.PRODUCE, TopicOperation.CONSUME
_ALL_TOPICS = tuple(spec.name for spec in TOPICS)
_TRAFFIC = tuple(spec.name for spec in TRAFFIC_AND_CONTEXT_TOPICS)
_COMPONENTS = ("oracle_lander", "oracle_sorter", "sr", "wsp", "ig", "reporter")

TOPIC_GRANTS: tuple[TopicGrant, ...] = tuple(
    sorted(
        {
            *(TopicGrant(OPERATOR, topic, op) for topic in _ALL_TOPICS for op in (_PRODUCE, _CONSUME)),
            *(TopicGrant(role, AUDIT_TOPIC, _PRODUCE) for role in _COMPONENTS),
            TopicGrant("sr", CONTROL_TOPIC, _PRODUCE),
            TopicGrant("wsp", CONTROL_TOPIC, _CONSUME),
            *(TopicGrant("ig", topic, op) for topic in _TRAFFIC for op in (_PRODUCE, _CONSUME)),
            *(TopicGrant("reporter", topic, _CONSUME) for topic in _ALL_TOPICS),
        },
        key=lambda grant: (ROLES.index(grant.role), _ALL_TOPICS.index(grant.topic), grant.operation),
    )
)


def object_grants_of(role: str) -> tuple[ObjectGrant, ...]:
    """The object grants of one role, in table order."""
    return tuple(grant for grant in OBJECT_GRANTS if grant.role == role)


def topic_grants_of(role: str) -> tuple[TopicGrant, ...]:
    """The topic grants of one role, in catalogue order."""
    return tuple(grant for grant in TOPIC_GRANTS if grant.role == role)
