"""Reason codes owned by the stream-view sort (`fp oracle sort`) and its closure proof.

The pack preconditions reuse the Oracle's codes (`PACK_NOT_SEALED`, `PACK_MANIFEST_INVALID`,
`WORLD_KEY_MISMATCH`, `LANDING_MANIFEST_MISSING`) and an unknown output reuses the engine's
`OUTPUT_UNKNOWN`, rather than registering twins.
"""

from fraud_platform.core.reasons import reason

__all__ = [
    "STREAM_SORT_CLOSURE_FAILED",
    "STREAM_SORT_CONFLICT",
    "STREAM_SORT_KEY_MISSING",
    "STREAM_SORT_KEY_NULL",
    "STREAM_SORT_MEMORY_EXCEEDED",
    "STREAM_SORT_SCHEMA_MISMATCH",
    "STREAM_SORT_SOURCE_CHANGED",
    "STREAM_SORT_SOURCE_MISSING",
    "STREAM_SORT_SOURCE_UNREADABLE",
    "STREAM_SORT_TYPE_UNSUPPORTED",
    "STREAM_SORT_WINDOW_INVALID",
]

_OWNER = "oracle.sort"

STREAM_SORT_SOURCE_MISSING = reason(
    "STREAM_SORT_SOURCE_MISSING",
    "the sealed pack lists no landed Parquet file for this output and scenario; no view to build",
    owner=_OWNER,
)
STREAM_SORT_SOURCE_UNREADABLE = reason(
    "STREAM_SORT_SOURCE_UNREADABLE",
    "a landed source file or a written view part could not be read as Parquet (absent, truncated, corrupt)",
    owner=_OWNER,
)
STREAM_SORT_SOURCE_CHANGED = reason(
    "STREAM_SORT_SOURCE_CHANGED",
    "a source object's bytes (size or SHA-256, read in the sort's own pass) are not the landed ones; nothing committed",
    owner=_OWNER,
)
STREAM_SORT_SCHEMA_MISMATCH = reason(
    "STREAM_SORT_SCHEMA_MISMATCH",
    "the source files of one output do not share one schema (or a view part's schema differs from them)",
    owner=_OWNER,
)
STREAM_SORT_TYPE_UNSUPPORTED = reason(
    "STREAM_SORT_TYPE_UNSUPPORTED",
    "a column has a type the canonical row encoding (fprow1) does not define; no digest is guessed",
    owner=_OWNER,
)
STREAM_SORT_KEY_MISSING = reason(
    "STREAM_SORT_KEY_MISSING",
    "the source lacks a pinned sort-key column, or a column collides with the sort's tie-breaker name",
    owner=_OWNER,
)
STREAM_SORT_KEY_NULL = reason(
    "STREAM_SORT_KEY_NULL",
    "a source row has a null sort-key value; a stream view cannot place it",
    owner=_OWNER,
)
STREAM_SORT_WINDOW_INVALID = reason(
    "STREAM_SORT_WINDOW_INVALID",
    "--window-days was given for an output whose first sort key is not a UTC timestamp string, or is < 1",
    owner=_OWNER,
)
STREAM_SORT_CLOSURE_FAILED = reason(
    "STREAM_SORT_CLOSURE_FAILED",
    "the closure proof failed (row counts, multiset digests, part rows or order differ); nothing committed",
    owner=_OWNER,
)
STREAM_SORT_CONFLICT = reason(
    "STREAM_SORT_CONFLICT",
    "the view folder already holds a receipt or manifest for another pack, output, sort or content",
    owner=_OWNER,
)
STREAM_SORT_MEMORY_EXCEEDED = reason(
    "STREAM_SORT_MEMORY_EXCEEDED",
    "DuckDB could not sort within the memory budget even spilling to disk; use --window-days or a larger budget",
    owner=_OWNER,
)
