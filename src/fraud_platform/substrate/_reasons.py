"""Reason codes owned by the substrate adapters (object store, bus, state store).

Transient codes mean "the substrate was unreachable or busy; nothing was committed; retrying may
succeed". Terminal codes mean the substrate answered and refused, or the request itself is wrong.
"""

from fraud_platform.core.reasons import reason

__all__ = [
    "BUS_ACCESS_DENIED",
    "BUS_ADMIN_FAILED",
    "BUS_COMMIT_FAILED",
    "BUS_CONFIG_INVALID",
    "BUS_CONSUME_FAILED",
    "BUS_PRODUCE_FAILED",
    "BUS_TOPIC_MISMATCH",
    "BUS_TOPIC_MISSING",
    "BUS_UNAVAILABLE",
    "OBJECT_ACCESS_DENIED",
    "OBJECT_BUCKET_MISSING",
    "OBJECT_CAS_CONFLICT",
    "OBJECT_CONFLICT",
    "OBJECT_DIGEST_MISMATCH",
    "OBJECT_MISSING",
    "OBJECT_RANGE_INVALID",
    "OBJECT_STORE_FEATURE_UNSUPPORTED",
    "OBJECT_STORE_REQUEST_FAILED",
    "OBJECT_STORE_UNAVAILABLE",
    "OBJECT_WRITE_CONTENDED",
    "STATE_DSN_INVALID",
    "STATE_KEY_NOT_UNIQUE",
    "STATE_STORE_FAILED",
    "STATE_STORE_UNAVAILABLE",
]

_OWNER = "substrate"

# Object store (S3 API).
OBJECT_MISSING = reason("OBJECT_MISSING", "the object does not exist", owner=_OWNER)
OBJECT_BUCKET_MISSING = reason("OBJECT_BUCKET_MISSING", "the bucket does not exist", owner=_OWNER)
OBJECT_ACCESS_DENIED = reason(
    "OBJECT_ACCESS_DENIED", "the object store denied the call for this role's credentials", owner=_OWNER
)
OBJECT_CONFLICT = reason(
    "OBJECT_CONFLICT",
    "a write-once object already exists with different bytes; nothing overwritten",
    owner=_OWNER,
)
OBJECT_CAS_CONFLICT = reason(
    "OBJECT_CAS_CONFLICT", "compare-and-swap lost: the object's ETag is not the expected one", owner=_OWNER
)
OBJECT_DIGEST_MISMATCH = reason(
    "OBJECT_DIGEST_MISMATCH",
    "uploaded bytes do not match the declared size or SHA-256; upload aborted",
    owner=_OWNER,
)
OBJECT_WRITE_CONTENDED = reason(
    "OBJECT_WRITE_CONTENDED",
    "a concurrent conditional write to the same key was in flight; retry to learn the winner",
    owner=_OWNER,
    transient=True,
)
OBJECT_RANGE_INVALID = reason(
    "OBJECT_RANGE_INVALID",
    "a ranged read asked for bytes outside the object (or an empty/negative range)",
    owner=_OWNER,
)
OBJECT_STORE_UNAVAILABLE = reason(
    "OBJECT_STORE_UNAVAILABLE",
    "the object store was unreachable, timed out or answered 5xx",
    owner=_OWNER,
    transient=True,
)
OBJECT_STORE_FEATURE_UNSUPPORTED = reason(
    "OBJECT_STORE_FEATURE_UNSUPPORTED",
    "the object store does not implement this S3 API feature",
    owner=_OWNER,
)
OBJECT_STORE_REQUEST_FAILED = reason(
    "OBJECT_STORE_REQUEST_FAILED",
    "the object store rejected the request (invalid request or unexpected error)",
    owner=_OWNER,
)

# Bus (Kafka API).
BUS_UNAVAILABLE = reason(
    "BUS_UNAVAILABLE",
    "the Kafka API was unreachable or did not acknowledge in time",
    owner=_OWNER,
    transient=True,
)
BUS_PRODUCE_FAILED = reason("BUS_PRODUCE_FAILED", "the broker refused a record (non-retryable)", owner=_OWNER)
BUS_CONSUME_FAILED = reason("BUS_CONSUME_FAILED", "the consumer received a non-retryable error", owner=_OWNER)
BUS_COMMIT_FAILED = reason("BUS_COMMIT_FAILED", "the broker refused an offset commit", owner=_OWNER)
BUS_ACCESS_DENIED = reason(
    "BUS_ACCESS_DENIED", "the Kafka API denied the call (authentication or authorization)", owner=_OWNER
)
BUS_TOPIC_MISSING = reason("BUS_TOPIC_MISSING", "the topic or partition does not exist", owner=_OWNER)
BUS_TOPIC_MISMATCH = reason(
    "BUS_TOPIC_MISMATCH",
    "an existing topic does not match its catalogue spec (partition count)",
    owner=_OWNER,
)
BUS_ADMIN_FAILED = reason("BUS_ADMIN_FAILED", "a topic administration request failed", owner=_OWNER)
BUS_CONFIG_INVALID = reason(
    "BUS_CONFIG_INVALID", "the Kafka settings are incomplete or inconsistent", owner=_OWNER
)

# State store (SQLite / PostgreSQL through SQLAlchemy).
STATE_STORE_UNAVAILABLE = reason(
    "STATE_STORE_UNAVAILABLE",
    "the state store was unreachable, locked or timed out",
    owner=_OWNER,
    transient=True,
)
STATE_STORE_FAILED = reason("STATE_STORE_FAILED", "the state store rejected a statement", owner=_OWNER)
STATE_DSN_INVALID = reason(
    "STATE_DSN_INVALID", "the state DSN is not SQLite or postgresql+psycopg, or is malformed", owner=_OWNER
)
STATE_KEY_NOT_UNIQUE = reason(
    "STATE_KEY_NOT_UNIQUE",
    "a compare-and-swap key matched more than one row; nothing was changed",
    owner=_OWNER,
)
