"""Seal-time column types: a world whose Parquet columns differ from the catalogue fails closed.

The sort and the closure digest are width-agnostic (an int32 and an int64 of one value encode alike),
so a world written with other types would otherwise pass unnoticed and reach consumers that rely on
the engine's contract (`merchant_id` uint64, `event_seq` int64, …). Each landed Parquet file's
schema is read from its footer (a ranged read of the tail, no data pages) and compared with the
catalogue by `engine.arrow_types.schema_mismatches`; what counts as a mismatch is documented there
(integer width and sign do, `string` vs `large_string` does not).

A file whose footer does not parse is left to the seal's corruption check (PARQUET_CORRUPT); this
check reports only types, one failure per output and column, naming how many files differ.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from fraud_platform.engine._reasons import OUTPUT_SCHEMA_MISMATCH
from fraud_platform.engine.arrow_types import ColumnMismatch, schema_mismatches
from fraud_platform.engine.catalogue import EngineCatalogue
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry
from fraud_platform.oracle.pack import SealFailure
from fraud_platform.oracle.parquet import TailReader

__all__ = ["footer_schema", "schema_failures"]

_MAGIC = b"PAR1"
_TAIL_GUESS = 64 * 1024


def footer_schema(tails: TailReader, root: PackRoot, entry: LandingEntry) -> pa.Schema | None:
    """The Arrow schema a file's footer records, or None when the footer cannot be read as Parquet."""
    location = root.child(entry.path)
    if entry.size < 12:
        return None
    tail = tails.read_tail(location, entry.size, min(entry.size, _TAIL_GUESS))
    if tail[-4:] != _MAGIC:
        return None
    length = int(struct.unpack("<I", tail[-8:-4])[0])
    if length + 12 > entry.size:
        return None
    if length + 8 > len(tail):
        tail = tails.read_tail(location, entry.size, length + 8)
    try:
        metadata = pq.read_metadata(pa.BufferReader(_MAGIC + tail[-(length + 8) :]))
        return metadata.schema.to_arrow_schema()
    except (OSError, ValueError, pa.ArrowException):
        return None


def schema_failures(
    tails: TailReader,
    root: PackRoot,
    files: Mapping[str, Sequence[LandingEntry]],
    catalogue: EngineCatalogue,
    workers: int,
) -> list[SealFailure]:
    """One OUTPUT_SCHEMA_MISMATCH failure per (output, column, found type) over every file given."""
    jobs = [(output_id, entry) for output_id, entries in files.items() for entry in entries]

    def _probe(job: tuple[str, LandingEntry]) -> list[ColumnMismatch]:
        output_id, entry = job
        schema = footer_schema(tails, root, entry)
        return [] if schema is None else schema_mismatches(catalogue, output_id, schema)

    found = run_bounded(jobs, _probe, workers=workers, label=lambda job: job[1].path)
    grouped: dict[ColumnMismatch, list[str]] = {}
    for (_output_id, entry), mismatches in zip(jobs, found, strict=True):
        for mismatch in mismatches:
            grouped.setdefault(mismatch, []).append(entry.path)
    return [
        SealFailure(
            code=str(OUTPUT_SCHEMA_MISMATCH),
            subject=f"{mismatch.output_id}.{mismatch.column}",
            detail=f"{mismatch.describe()} in {len(paths)} of {len(files[mismatch.output_id])} file(s), first {paths[0]}",
        )
        for mismatch, paths in sorted(grouped.items(), key=lambda item: (item[0].output_id, item[0].column))
    ]
