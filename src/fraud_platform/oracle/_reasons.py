"""Reason codes owned by the Oracle Store (landing, verify, seal, consumer check, compare, pointer).

Gate outcomes (`GATE_CONFLICT`, `GATE_MISSING`) and the run receipt codes belong to the engine
package, which verifies gates; the Oracle reuses them rather than registering twins.
"""

from fraud_platform.core.reasons import reason

__all__ = [
    "LANDING_CONFLICT",
    "LANDING_DIGEST_MISMATCH",
    "LANDING_MANIFEST_INVALID",
    "LANDING_MANIFEST_MISSING",
    "LANDING_PATH_RESERVED",
    "LANDING_PATH_UNSAFE",
    "LANDING_SOURCE_CHANGED",
    "LANDING_SOURCE_INVALID",
    "LANDING_VERIFY_FAILED",
    "ORACLE_COMPARE_DIFFERENT",
    "ORACLE_ROOT_INVALID",
    "ORACLE_VERIFY_FAILED",
    "PACK_MANIFEST_INVALID",
    "PACK_NOT_SEALED",
    "PACK_SEAL_FAILED",
    "PARQUET_CORRUPT",
    "POINTER_CONFLICT",
    "POINTER_INVALID",
    "POINTER_MISSING",
    "POINTER_NO_PREVIOUS",
    "SCENARIO_NOT_IN_WORLD",
    "SEAL_CONFLICT",
    "SHADOW_REQUIRED",
    "STREAM_VIEW_INCONSISTENT",
    "STREAM_VIEW_MISSING",
    "STREAM_VIEW_PARTS_MISSING",
    "STREAM_VIEW_UNBOUND",
    "WORLD_KEY_MISMATCH",
]

_OWNER = "oracle"

# Landing.
LANDING_PATH_UNSAFE = reason(
    "LANDING_PATH_UNSAFE",
    "a landing source path is absolute, climbs out (..), is not plain text or is a symlink leaving the source",
    owner=_OWNER,
)
LANDING_PATH_RESERVED = reason(
    "LANDING_PATH_RESERVED",
    "a landing source holds a name the Oracle reserves in a pack root (_oracle/, _SEALED.json, stream_view/…)",
    owner=_OWNER,
)
LANDING_SOURCE_INVALID = reason(
    "LANDING_SOURCE_INVALID",
    "the landing source is not a readable folder or s3:// prefix, or it is empty",
    owner=_OWNER,
)
LANDING_SOURCE_CHANGED = reason(
    "LANDING_SOURCE_CHANGED",
    "a source file changed (size, mtime, ETag or SHA-256) between listing and the end of its upload",
    owner=_OWNER,
)
LANDING_CONFLICT = reason(
    "LANDING_CONFLICT",
    "the destination already holds different bytes (or a different committed landing); nothing overwritten",
    owner=_OWNER,
)
LANDING_VERIFY_FAILED = reason(
    "LANDING_VERIFY_FAILED",
    "the destination verification pass found an object missing or with another size or SHA-256; not committed",
    owner=_OWNER,
)
LANDING_MANIFEST_MISSING = reason(
    "LANDING_MANIFEST_MISSING",
    "the pack root has no committed landing (_oracle/landing_manifest.json)",
    owner=_OWNER,
)
LANDING_MANIFEST_INVALID = reason(
    "LANDING_MANIFEST_INVALID", "the landing manifest does not parse or breaks its contract", owner=_OWNER
)
LANDING_DIGEST_MISMATCH = reason(
    "LANDING_DIGEST_MISMATCH",
    "the landing manifest's root digest does not match its entries (or the digest the pack was sealed with)",
    owner=_OWNER,
)
ORACLE_ROOT_INVALID = reason(
    "ORACLE_ROOT_INVALID", "an Oracle pack root is not an s3:// URI with a bucket and a prefix", owner=_OWNER
)
ORACLE_VERIFY_FAILED = reason(
    "ORACLE_VERIFY_FAILED",
    "re-reading a landing found paths missing, extra or with bytes that differ from the landing manifest",
    owner=_OWNER,
)

# Seal.
SCENARIO_NOT_IN_WORLD = reason(
    "SCENARIO_NOT_IN_WORLD",
    "a streamed output has no scenario_id=<pin> partition (none has one: refused; only some: sealed failed)",
    owner=_OWNER,
)
PARQUET_CORRUPT = reason(
    "PARQUET_CORRUPT",
    "a landed Parquet file of a streamed output has no valid footer or schema",
    owner=_OWNER,
)
SEAL_CONFLICT = reason(
    "SEAL_CONFLICT",
    "the pack root is already sealed with another outcome, pack id or scenario; nothing overwritten",
    owner=_OWNER,
)
PACK_NOT_SEALED = reason(
    "PACK_NOT_SEALED", "the pack root has no (readable) _SEALED.json yet; a reader waits", owner=_OWNER
)
PACK_SEAL_FAILED = reason(
    "PACK_SEAL_FAILED",
    "the pack is sealed SEALED_FAILED (a gate, file or Parquet footer failed); it can never be read",
    owner=_OWNER,
)
PACK_MANIFEST_INVALID = reason(
    "PACK_MANIFEST_INVALID",
    "the pack manifest is absent, does not parse, or its oracle_pack_id does not recompute",
    owner=_OWNER,
)
WORLD_KEY_MISMATCH = reason(
    "WORLD_KEY_MISMATCH",
    "the pack manifest's world key differs from the run receipt or the requested scenario",
    owner=_OWNER,
)

# Stream views as a consumer sees them.
STREAM_VIEW_MISSING = reason(
    "STREAM_VIEW_MISSING", "a requested stream view has no committed closure receipt", owner=_OWNER
)
STREAM_VIEW_INCONSISTENT = reason(
    "STREAM_VIEW_INCONSISTENT",
    "a stream view receipt contradicts itself (raw != sorted counts or digests, parts not listed)",
    owner=_OWNER,
)
STREAM_VIEW_UNBOUND = reason(
    "STREAM_VIEW_UNBOUND",
    "a stream view receipt names another oracle pack, output or world key",
    owner=_OWNER,
)
STREAM_VIEW_PARTS_MISSING = reason(
    "STREAM_VIEW_PARTS_MISSING",
    "a committed stream view's part is absent or differs in size or SHA-256 from its receipt",
    owner=_OWNER,
)

# Compare.
ORACLE_COMPARE_DIFFERENT = reason(
    "ORACLE_COMPARE_DIFFERENT",
    "two Oracle roots differ (landing, pack id or stream-view receipts)",
    owner=_OWNER,
)

# Root pointer.
POINTER_MISSING = reason("POINTER_MISSING", "no Oracle root pointer exists for this profile", owner=_OWNER)
POINTER_INVALID = reason(
    "POINTER_INVALID",
    "the Oracle root pointer or a history entry does not parse or breaks its contract",
    owner=_OWNER,
)
POINTER_CONFLICT = reason(
    "POINTER_CONFLICT",
    "another writer moved the Oracle root pointer concurrently; re-read and retry",
    owner=_OWNER,
    transient=True,
)
POINTER_NO_PREVIOUS = reason(
    "POINTER_NO_PREVIOUS", "the Oracle root pointer has no earlier entry to roll back to", owner=_OWNER
)
SHADOW_REQUIRED = reason(
    "SHADOW_REQUIRED",
    "`--require-shadow`: no passing shadow, both runs committed, names this root, scenario and pack",
    owner=_OWNER,
)
