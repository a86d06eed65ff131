"""The raw side of a sort: an output's landed Parquet files, read from S3 through pyarrow.

Why pyarrow and not DuckDB's httpfs: the extension cannot be downloaded here, and pyarrow's
S3FileSystem speaks to SeaweedFS and AWS alike (endpoint override, path style, the role's keys).

Every batch handed to the sort carries one extra int64 column, the tie-breaker
`(ordinal of the file's path in ASCII order) << 40 | row index within the file`, which orders
exactly like (source path, row index) while costing the sort one fixed-width integer.

Rows are read row group by row group. With time windows (`--window-days`), a window reads only the
row groups whose `ts_utc` statistics overlap it and keeps the rows inside it; every row group is
still handed to the raw-side callback exactly once, in full, so the raw digests are computed over
every source row independently of the windowing they are meant to check.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import format_utc, parse_utc
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry
from fraud_platform.oracle.sort._reasons import (
    STREAM_SORT_KEY_MISSING,
    STREAM_SORT_SCHEMA_MISMATCH,
    STREAM_SORT_SOURCE_UNREADABLE,
    STREAM_SORT_WINDOW_INVALID,
)
from fraud_platform.oracle.sort.closure.encoding import encoding_sql
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED, OBJECT_STORE_UNAVAILABLE
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = [
    "TIEBREAK_COLUMN",
    "RawCallback",
    "SourceFile",
    "SourceSet",
    "TimeWindow",
    "arrow_s3_filesystem",
    "map_arrow_errors",
]

TIEBREAK_COLUMN = "__fp_tiebreak"
_FOOTER_WORKERS = 8
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


@dataclass(frozen=True)
class TimeWindow:
    """Rows whose first sort key k satisfies low <= k < high (None: unbounded on that side)."""

    low: str | None
    high: str | None

    def overlaps(self, key_min: str | None, key_max: str | None) -> bool:
        if key_min is None or key_max is None:
            return True
        return (self.high is None or key_min < self.high) and (self.low is None or key_max >= self.low)

    def mask(self, column: pa.Array) -> pa.Array | None:
        """The rows of `column` inside the window, or None when the window is unbounded."""
        conditions = []
        if self.low is not None:
            conditions.append(pc.greater_equal(column, pa.scalar(self.low, column.type)))
        if self.high is not None:
            conditions.append(pc.less(column, pa.scalar(self.high, column.type)))
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else pc.and_(conditions[0], conditions[1])

    def to_json(self) -> dict[str, str | None]:
        return {"low": self.low, "high": self.high}


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
        """One unbounded window, or day-aligned windows of `window_days` covering every key."""
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
        lows = [g.key_min for f in self.files for g in f.row_groups if g.key_min is not None]
        highs = [g.key_max for f in self.files for g in f.row_groups if g.key_max is not None]
        if not lows or not highs:
            return [TimeWindow(None, None)]
        try:
            start, end = parse_utc(min(lows)), parse_utc(max(highs))
        except ValueError as error:
            raise FailClosed(
                STREAM_SORT_WINDOW_INVALID, f"{first_key} statistics are not UTC timestamps: {error}"
            ) from error
        day = datetime(start.year, start.month, start.day, tzinfo=UTC)
        bounds: list[str] = []
        edge = day + timedelta(days=window_days)
        while edge <= end:
            bounds.append(format_utc(edge))
            edge += timedelta(days=window_days)
        edges: list[str | None] = [None, *bounds, None]
        return [TimeWindow(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]

    def batches(
        self, window: TimeWindow, raw_seen: set[tuple[int, int]], on_raw: RawCallback
    ) -> Iterator[pa.RecordBatch]:
        """The window's rows with the tie-breaker column; unseen row groups go to `on_raw` whole first."""
        key = self.sort_keys[0]
        out_schema = self.schema_with_tiebreak
        for source in self.files:
            groups = [g for g in source.row_groups if window.overlaps(g.key_min, g.key_max)]
            if not groups:
                continue
            with map_arrow_errors(source.path):
                handle = self._fs.open_input_file(self._location(source.path))
            with handle:
                reader = pq.ParquetFile(handle, metadata=source.metadata, pre_buffer=True)
                for group in groups:
                    yield from self._group_batches(
                        source, group, reader, window, raw_seen, on_raw, key, out_schema
                    )

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
