"""The raw side of a sort: an output's landed Parquet files, re-proven and read locally.

Why pyarrow and not DuckDB's httpfs: the extension cannot be downloaded here, and pyarrow's
S3FileSystem speaks to SeaweedFS and AWS alike (endpoint override, path style, the role's keys).

The footers are read from the store first (small ranged reads): they give the schema, the row
groups and the plan. Rows are never decoded from the store: each file is streamed once into the
sort's spill directory while it is hashed (`staging.StagedSources`), and only a copy whose size and
SHA-256 are the landing manifest's, and whose footer is the planned one, is read. A source object
overwritten after landing therefore stops the sort with STREAM_SORT_SOURCE_CHANGED before any
part exists, and the raw digests are computed from proven bytes in the same pass.

Every batch handed to the sort carries one extra int64 column, the tie-breaker
`(ordinal of the file's path in ASCII order) << 40 | row index within the file`, which orders
exactly like (source path, row index) while costing the sort one fixed-width integer.

Rows are read row group by row group. With time windows (`--window-days`), a window reads only the
row groups whose `ts_utc` range overlaps it and keeps the rows inside it; every row group is still
handed to the raw-side callback exactly once, in full, so the raw digests are computed over every
source row independently of the windowing they are meant to check. A row group without min/max
statistics (the engine writes the two baseline 6B outputs with statistics off) gets its range from
a scan of that one column, never a silent single window. The range only plans the windows: a wrong
one could only drop rows from the sorted side, which the closure proof refuses. When every row group
overlaps most windows (rows not clustered in time), the engine reads the sources once as a single
unbounded window and cuts the rows into per-window spill files instead (`partition`).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry
from fraud_platform.oracle.sort._reasons import (
    STREAM_SORT_KEY_MISSING,
    STREAM_SORT_SCHEMA_MISMATCH,
    STREAM_SORT_SOURCE_CHANGED,
    STREAM_SORT_SOURCE_UNREADABLE,
    STREAM_SORT_WINDOW_INVALID,
)
from fraud_platform.oracle.sort.closure.encoding import encoding_sql
from fraud_platform.oracle.sort.staging import StagedSources
from fraud_platform.oracle.sort.windows import TimeWindow, day_windows
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED, OBJECT_STORE_UNAVAILABLE
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = [
    "TIEBREAK_COLUMN",
    "RawCallback",
    "SourceFile",
    "SourceSet",
    "StagedSources",
    "TimeWindow",
    "arrow_s3_filesystem",
    "map_arrow_errors",
]

TIEBREAK_COLUMN = "__fp_tiebreak"
_FOOTER_WORKERS = 8
_LOOKAHEAD = 2  # files staged ahead of the one being read (disk: at most this many extra copies)
_ROW_BITS = 40
_MAX_FILES = 1 << (63 - _ROW_BITS)

# (file, position of the batch's first row in source order, the batch without tie-breaker)
RawCallback = Callable[["SourceFile", int, pa.RecordBatch], None]


def arrow_s3_filesystem(creds: S3Credentials) -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem for one role: endpoint override and path-style addressing when set."""
    options: dict[str, Any] = {
        "access_key": creds.access_key_id,
        "secret_key": creds.secret_access_key,
        "region": creds.region,
        "allow_bucket_creation": False,
        "allow_bucket_deletion": False,
        "connect_timeout": 5.0,
        "request_timeout": 60.0,
    }
    if creds.endpoint_url:
        parsed = urlparse(creds.endpoint_url)
        options["endpoint_override"] = parsed.netloc
        options["scheme"] = parsed.scheme
        options["force_virtual_addressing"] = False
    return pafs.S3FileSystem(**options)


@contextlib.contextmanager
def map_arrow_errors(what: str) -> Iterator[None]:
    """Translate pyarrow I/O and Parquet errors into the platform's error tree (raised `from`)."""
    try:
        yield
    except (OSError, pa.ArrowException) as error:
        text = str(error)
        if "NETWORK_CONNECTION" in text or "Couldn't connect" in text or "timed out" in text.lower():
            raise TransientError(OBJECT_STORE_UNAVAILABLE, f"{what}: {text}", {"object": what}) from error
        if "ACCESS_DENIED" in text or "AccessDenied" in text:
            raise FailClosed(OBJECT_ACCESS_DENIED, f"{what}: {text}", {"object": what}) from error
        raise FailClosed(STREAM_SORT_SOURCE_UNREADABLE, f"{what}: {text}", {"object": what}) from error


@dataclass(frozen=True)
class _RowGroup:
    index: int
    rows: int
    first_row: int
    key_min: str | None
    key_max: str | None


@dataclass(frozen=True)
class SourceFile:
    """One landed source file: its place in source order and its row groups."""

    ordinal: int
    path: str
    sha256: str
    size: int
    rows: int
    first_position: int
    metadata: pq.FileMetaData = field(repr=False)
    row_groups: tuple[_RowGroup, ...] = field(repr=False)


def _string_stat(metadata: pq.RowGroupMetaData, column_index: int | None) -> tuple[str | None, str | None]:
    if column_index is None:
        return None, None
    stats = metadata.column(column_index).statistics
    if stats is None or not stats.has_min_max:
        return None, None
    low, high = stats.min, stats.max
    if isinstance(low, bytes):
        low, high = low.decode("utf-8"), bytes(high).decode("utf-8")
    return (low, high) if isinstance(low, str) and isinstance(high, str) else (None, None)


class SourceSet:
    """The source files of one output, opened (footers only) and checked to share one schema."""

    def __init__(
        self,
        fs: pafs.FileSystem,
        root: PackRoot,
        entries: Sequence[LandingEntry],
        sort_keys: Sequence[str],
        *,
        batch_rows: int = 65_536,
    ) -> None:
        if len(entries) >= _MAX_FILES:
            raise FailClosed(
                STREAM_SORT_SCHEMA_MISMATCH, f"{len(entries)} source files exceed the tie-breaker"
            )
        self._fs = fs
        self._root = root
        self._batch_rows = batch_rows
        self.sort_keys = tuple(sort_keys)
        files: list[SourceFile] = []
        schema: pa.Schema | None = None
        position = 0
        ordered = sorted(entries, key=lambda item: item.path)
        # Footers are small ranged reads: fetch them concurrently (a real output has ~1,000 files).
        with ThreadPoolExecutor(max_workers=_FOOTER_WORKERS, thread_name_prefix="fp-footer") as pool:
            footers = list(pool.map(self._footer, ordered))
        for ordinal, (entry, metadata) in enumerate(zip(ordered, footers, strict=True)):
            file_schema = metadata.schema.to_arrow_schema()
            if schema is None:
                schema = file_schema
                self._check_schema(schema)
            elif not file_schema.equals(schema, check_metadata=False):
                raise FailClosed(
                    STREAM_SORT_SCHEMA_MISMATCH,
                    f"{entry.path} has another schema than {files[0].path}",
                    {"path": entry.path, "first": files[0].path},
                )
            files.append(self._describe(ordinal, entry, metadata, schema, position))
            position += metadata.num_rows
        if schema is None:
            raise ValueError("a source set needs at least one file")
        self.schema: pa.Schema = schema
        self.files: tuple[SourceFile, ...] = tuple(files)
        self.total_rows = position

    def _location(self, path: str) -> str:
        return f"{self._root.location.bucket}/{self._root.prefix}{path}"

    def _footer(self, entry: LandingEntry) -> pq.FileMetaData:
        with map_arrow_errors(entry.path):
            return pq.read_metadata(self._location(entry.path), filesystem=self._fs)

    def _check_schema(self, schema: pa.Schema) -> None:
        missing = [key for key in self.sort_keys if key not in schema.names]
        if missing or TIEBREAK_COLUMN in schema.names:
            raise FailClosed(
                STREAM_SORT_KEY_MISSING,
                f"sort key(s) {missing} absent from the source"
                if missing
                else f"{TIEBREAK_COLUMN} is reserved",
                {"missing": missing, "columns": schema.names},
            )
        encoding_sql(schema)  # refuses a column type fprow1 does not define, before any row is read

    def _describe(
        self, ordinal: int, entry: LandingEntry, metadata: pq.FileMetaData, schema: pa.Schema, position: int
    ) -> SourceFile:
        if metadata.num_rows >= 1 << _ROW_BITS:
            raise FailClosed(
                STREAM_SORT_SCHEMA_MISMATCH, f"{entry.path} has too many rows for the tie-breaker"
            )
        key_index = self._key_column_index(metadata, self.sort_keys[0])
        groups: list[_RowGroup] = []
        first_row = 0
        for index in range(metadata.num_row_groups):
            group = metadata.row_group(index)
            low, high = _string_stat(group, key_index)
            groups.append(_RowGroup(index, group.num_rows, first_row, low, high))
            first_row += group.num_rows
        return SourceFile(
            ordinal,
            entry.path,
            entry.sha256,
            entry.size,
            metadata.num_rows,
            position,
            metadata,
            tuple(groups),
        )

    @staticmethod
    def _key_column_index(metadata: pq.FileMetaData, key: str) -> int | None:
        for index in range(metadata.num_columns):
            if metadata.schema.column(index).path == key:
                return index
        return None

    @property
    def schema_with_tiebreak(self) -> pa.Schema:
        return self.schema.append(pa.field(TIEBREAK_COLUMN, pa.int64(), nullable=False))

    def windows(self, window_days: int | None) -> list[TimeWindow]:
        """One unbounded window, or day-aligned windows of `window_days` covering every key.

        Row groups without min/max statistics get their range from the data first, so the option
        is honoured whatever the writer did with statistics.
        """
        if window_days is None:
            return [TimeWindow(None, None)]
        first_key = self.sort_keys[0]
        kind = self.schema.field(first_key).type
        if window_days < 1 or not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise FailClosed(
                STREAM_SORT_WINDOW_INVALID,
                f"--window-days needs a UTC timestamp string as the first sort key; {first_key} is {kind}",
                {"sort_key": first_key, "window_days": window_days},
            )
        self._fill_key_ranges()
        lows = [g.key_min for f in self.files for g in f.row_groups if g.key_min is not None]
        highs = [g.key_max for f in self.files for g in f.row_groups if g.key_max is not None]
        if not lows or not highs:
            # No row has a key at all (no rows, or only nulls, which the sort refuses with
            # STREAM_SORT_KEY_NULL): there is nothing to window.
            return [TimeWindow(None, None)]
        return day_windows(first_key, min(lows), max(highs), window_days)

    def _fill_key_ranges(self) -> None:
        """Give every row group lacking min/max statistics its first-key range, scanned from the data."""
        lacking = [f for f in self.files if any(g.key_min is None or g.key_max is None for g in f.row_groups)]
        if not lacking:
            return
        with ThreadPoolExecutor(max_workers=_FOOTER_WORKERS, thread_name_prefix="fp-key-range") as pool:
            scanned = {f.ordinal: f for f in pool.map(self._scan_key_range, lacking)}
        self.files = tuple(scanned.get(f.ordinal, f) for f in self.files)

    def _scan_key_range(self, source: SourceFile) -> SourceFile:
        key = self.sort_keys[0]
        groups: list[_RowGroup] = []
        with map_arrow_errors(source.path), self._fs.open_input_file(self._location(source.path)) as handle:
            reader = pq.ParquetFile(handle, metadata=source.metadata, pre_buffer=True)
            for group in source.row_groups:
                if group.key_min is not None and group.key_max is not None:
                    groups.append(group)
                    continue
                values = reader.read_row_group(group.index, columns=[key], use_threads=False).column(key)
                extremes = pc.min_max(values)
                groups.append(
                    replace(group, key_min=extremes["min"].as_py(), key_max=extremes["max"].as_py())
                )
        return replace(source, row_groups=tuple(groups))

    @contextlib.contextmanager
    def staging(self, parent: Path | None) -> Iterator[StagedSources]:
        """A staging scope for `batches`: local copies live in a private folder under `parent`.

        Every copy is deleted when the scope ends, normally or not.
        """
        with tempfile.TemporaryDirectory(prefix="fp-stage-", dir=parent) as folder:
            staged = StagedSources(self._fs, Path(folder), self._location, self._check_staged_footer)
            try:
                yield staged
            finally:
                staged.close()

    @staticmethod
    def _check_staged_footer(source: SourceFile, metadata: pq.FileMetaData) -> None:
        """The proven bytes must carry the footer the sort planned with (read earlier, unproven)."""
        if not metadata.equals(source.metadata):
            raise FailClosed(
                STREAM_SORT_SOURCE_CHANGED,
                f"{source.path}: the footer read before the sort is not the landed file's footer",
                {"path": source.path},
            )

    def batches(
        self,
        window: TimeWindow,
        raw_seen: set[tuple[int, int]],
        on_raw: RawCallback,
        staged: StagedSources,
        *,
        later: Sequence[TimeWindow] = (),
    ) -> Iterator[pa.RecordBatch]:
        """The window's rows with the tie-breaker column; unseen row groups go to `on_raw` whole first.

        Rows come only from proven local copies (`staged`); a copy is released after this window
        unless one of the `later` windows needs the file again.
        """
        key = self.sort_keys[0]
        out_schema = self.schema_with_tiebreak
        needed = [
            (source, groups)
            for source in self.files
            if (groups := [g for g in source.row_groups if window.overlaps(g.key_min, g.key_max)])
        ]
        for position, (source, groups) in enumerate(needed):
            staged.schedule([item for item, _ in needed[position : position + 1 + _LOOKAHEAD]])
            with map_arrow_errors(source.path):
                reader = pq.ParquetFile(staged.local_path(source), metadata=source.metadata)
            with reader:
                for group in groups:
                    yield from self._group_batches(
                        source, group, reader, window, raw_seen, on_raw, key, out_schema
                    )
            if not any(w.overlaps(g.key_min, g.key_max) for w in later for g in source.row_groups):
                staged.release(source)

    def _group_batches(
        self,
        source: SourceFile,
        group: _RowGroup,
        reader: pq.ParquetFile,
        window: TimeWindow,
        raw_seen: set[tuple[int, int]],
        on_raw: RawCallback,
        key: str,
        out_schema: pa.Schema,
    ) -> Iterator[pa.RecordBatch]:
        fresh = (source.ordinal, group.index) not in raw_seen
        row = group.first_row
        base = source.ordinal << _ROW_BITS
        with map_arrow_errors(source.path):
            stream = reader.iter_batches(
                batch_size=self._batch_rows, row_groups=[group.index], use_threads=True
            )
            for batch in stream:
                batch = pa.RecordBatch.from_arrays(batch.columns, schema=self.schema)
                rows = batch.num_rows
                if fresh:
                    on_raw(source, source.first_position + row, batch)
                tiebreak = pa.array(np.arange(base + row, base + row + rows, dtype=np.int64))
                row += rows
                mask = window.mask(batch.column(key))
                combined = pa.RecordBatch.from_arrays([*batch.columns, tiebreak], schema=out_schema)
                if mask is not None:
                    combined = combined.filter(mask)
                if combined.num_rows:
                    yield combined
        if row != group.first_row + group.rows:
            raise FailClosed(
                STREAM_SORT_SOURCE_UNREADABLE,
                f"{source.path} row group {group.index}: read {row - group.first_row} of {group.rows} rows",
            )
        raw_seen.add((source.ordinal, group.index))
