"""The raw pass and the sort itself: one scan of the source feeds both the raw digests and DuckDB.

DuckDB sorts out of core: an explicit `memory_limit`, a private `temp_directory` for spills and a
fixed thread count, so an output far larger than memory still sorts (and `--window-days` bounds
each sort further). The rows reach DuckDB as an Arrow stream from `SourceSet.batches`, which decodes only local copies
whose SHA-256 was checked against the landing manifest as they were streamed in (staged in the
sort's spill directory, deleted with it); the raw-side digests are computed on each row group inside
that same stream (by a second, private DuckDB that only hashes), so each source byte is read from S3
once, hashed once, and no row is materialised twice.

With several time windows over sources whose rows are not clustered in time (every row group spans
every window, as in the engine's flow anchors), reading each window from the sources would decode
them once per window; the sources are then decoded once into per-window spill files
(`partition.WindowSpill`) and each window's sort reads its own file (`spill_pays` decides).

An exception raised inside the Arrow stream surfaces from DuckDB as a generic error; it is kept and
re-raised as itself, so a refusal such as STREAM_SORT_KEY_NULL keeps its code.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.pipeline import BackgroundConsumer, prefetch
from fraud_platform.oracle.sort._reasons import STREAM_SORT_CLOSURE_FAILED, STREAM_SORT_MEMORY_EXCEEDED
from fraud_platform.oracle.sort.closure.digest import DigestTotals, RowHasher
from fraud_platform.oracle.sort.closure.encoding import quote_identifier
from fraud_platform.oracle.sort.closure.keys import KeyTracker
from fraud_platform.oracle.sort.closure.receipt import SideSummary
from fraud_platform.oracle.sort.partition import WindowSpill
from fraud_platform.oracle.sort.source import (
    TIEBREAK_COLUMN,
    RawCallback,
    SourceFile,
    SourceSet,
    StagedSources,
    TimeWindow,
)
from fraud_platform.oracle.sort.writer import PartWriter

__all__ = ["DuckSettings", "RawSide", "sort_to_parts", "spill_pays"]

_SOURCE_VIEW = "__fp_source"
# Spill the windows when reading them straight from the sources would decode every source row more
# than this many times on average (a spill costs about one more decode: a write and a read-back).
_SPILL_ABOVE_READS = 2.0


@dataclass(frozen=True)
class DuckSettings:
    """How the sorting DuckDB may use the machine."""

    memory_limit_mb: int
    threads: int = 2
    temp_dir: Path | None = None
    batch_rows: int = 65_536


class RawSide:
    """The raw side of the proof: every source row once, hashed on a background thread.

    Only the multiset digest is computed for the raw side: the raw order is pinned byte for byte by
    the SHA-256 of each source file (listed in the receipt), so an ordered digest of it would cost
    a second hash per row and prove nothing more. Row counts, key range and nulls are checked.
    """

    def __init__(self, sort_keys: Sequence[str], hasher: RowHasher) -> None:
        self._hasher = hasher
        self._totals = DigestTotals(hasher.bits)
        self._keys = KeyTracker(sort_keys, check_order=False)

    def consume(self, batch: pa.RecordBatch) -> None:
        """Fold one batch of source rows in (on the worker thread)."""
        self._keys.update(batch)
        self._totals.add(self._hasher.digest(batch))

    @contextlib.contextmanager
    def feeding(self) -> Iterator[RawCallback]:
        """A raw callback that hands batches to a background hasher; waits for it on exit."""
        worker: BackgroundConsumer[pa.RecordBatch] = BackgroundConsumer(self.consume, name="fp-raw-hash")

        def _submit(_source: SourceFile, _first_position: int, batch: pa.RecordBatch) -> None:
            worker.submit(batch)

        try:
            yield _submit
        except BaseException:
            worker.abandon()
            raise
        worker.close()

    @property
    def rows(self) -> int:
        return self._totals.rows

    def summary(self) -> SideSummary:
        return SideSummary(
            row_count=self._totals.rows,
            min=list(self._keys.minimum) if self._keys.minimum is not None else None,
            max=list(self._keys.maximum) if self._keys.maximum is not None else None,
            multiset_digest=self._totals.multiset_hex,
            ordered_digest=None,
        )


def _require_all_rows(sources: SourceSet, raw: RawSide, seen: set[tuple[int, int]]) -> None:
    groups = sum(len(source.row_groups) for source in sources.files)
    if len(seen) != groups or raw.rows != sources.total_rows:
        raise FailClosed(
            STREAM_SORT_CLOSURE_FAILED,
            f"the raw pass saw {raw.rows} of {sources.total_rows} rows ({len(seen)} of {groups} row groups)",
        )


def _connect(settings: DuckSettings, temp_dir: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        config={
            "threads": settings.threads,
            "memory_limit": f"{settings.memory_limit_mb}MB",
            "temp_directory": temp_dir,
            "preserve_insertion_order": True,
        }
    )


def sort_to_parts(
    sources: SourceSet,
    windows: Sequence[TimeWindow],
    raw: RawSide,
    writer: PartWriter,
    settings: DuckSettings,
    on_rows: Callable[[int], None] | None = None,
) -> None:
    """Sort every window in turn (windows ascend, so the parts come out globally sorted).

    When reading each window straight from the sources would decode the sources many times over
    (their rows are not clustered in time), they are decoded once into per-window spill files first.
    """
    columns = ", ".join(quote_identifier(name) for name in sources.schema.names)
    order = ", ".join([*(quote_identifier(key) for key in sources.sort_keys), TIEBREAK_COLUMN])
    sort = _Sort(f"SELECT {columns} FROM {_SOURCE_VIEW} ORDER BY {order}", writer, settings, on_rows)
    seen: set[tuple[int, int]] = set()
    with (
        tempfile.TemporaryDirectory(prefix="fp-sort-", dir=settings.temp_dir) as spill,
        raw.feeding() as on_raw,
        sources.staging(Path(spill)) as staged,
    ):
        con = _connect(settings, spill)
        try:
            if spill_pays(sources, windows):
                _sort_spilled(con, sort, sources, windows, seen, on_raw, staged, Path(spill))
            else:
                _sort_direct(con, sort, sources, windows, seen, on_raw, staged)
        finally:
            con.close()
    _require_all_rows(sources, raw, seen)


def spill_pays(sources: SourceSet, windows: Sequence[TimeWindow]) -> bool:
    """Whether reading each window from the sources would decode them more than _SPILL_ABOVE_READS times."""
    if len(windows) < 2:
        return False
    reads = sum(
        group.rows
        for source in sources.files
        for group in source.row_groups
        for window in windows
        if window.overlaps(group.key_min, group.key_max)
    )
    return reads > _SPILL_ABOVE_READS * sources.total_rows


@dataclass(frozen=True)
class _Sort:
    """The sort query and where its rows go."""

    query: str
    writer: PartWriter
    settings: DuckSettings
    on_rows: Callable[[int], None] | None

    def run(
        self,
        con: duckdb.DuckDBPyConnection,
        reader: pa.RecordBatchReader,
        window: TimeWindow,
        failures: Sequence[BaseException] = (),
    ) -> None:
        """Sort one window's rows into the parts; a failure of the stream is re-raised as itself."""
        con.register(_SOURCE_VIEW, reader)
        try:
            for batch in con.sql(self.query).to_arrow_reader(self.settings.batch_rows):
                self.writer.add(batch)
                if self.on_rows is not None:
                    self.on_rows(batch.num_rows)
        except duckdb.Error as error:
            if failures:
                raise failures[0] from error
            if isinstance(error, duckdb.OutOfMemoryException):
                raise FailClosed(
                    STREAM_SORT_MEMORY_EXCEEDED,
                    f"the sort needs more than {self.settings.memory_limit_mb} MB: {error}",
                    {"memory_limit_mb": self.settings.memory_limit_mb, "window": window.to_json()},
                ) from error
            raise
        finally:
            con.unregister(_SOURCE_VIEW)


def _sort_direct(
    con: duckdb.DuckDBPyConnection,
    sort: _Sort,
    sources: SourceSet,
    windows: Sequence[TimeWindow],
    seen: set[tuple[int, int]],
    on_raw: RawCallback,
    staged: StagedSources,
) -> None:
    """Each window reads its overlapping row groups straight from the staged sources."""
    for index, window in enumerate(windows):
        failures: list[BaseException] = []

        def _stream(
            window: TimeWindow = window,
            later: Sequence[TimeWindow] = windows[index + 1 :],
            failures: list[BaseException] = failures,
        ) -> Iterator[pa.RecordBatch]:
            try:
                # Stage, prove, read and decode ahead on worker threads, so that DuckDB's
                # single scan thread only sinks rows into the sort.
                batches = sources.batches(window, seen, on_raw, staged, later=later)
                yield from prefetch(batches, depth=4, name="fp-source-read")
            except BaseException as error:
                failures.append(error)
                raise

        reader = pa.RecordBatchReader.from_batches(sources.schema_with_tiebreak, _stream())
        sort.run(con, reader, window, failures)


def _sort_spilled(
    con: duckdb.DuckDBPyConnection,
    sort: _Sort,
    sources: SourceSet,
    windows: Sequence[TimeWindow],
    seen: set[tuple[int, int]],
    on_raw: RawCallback,
    staged: StagedSources,
    folder: Path,
) -> None:
    """Decode the sources once into per-window spill files, then sort the windows one by one."""
    directory = folder / "windows"
    directory.mkdir()
    spill = WindowSpill(directory, sources.schema_with_tiebreak, windows, sources.sort_keys[0])
    try:
        everything = sources.batches(TimeWindow(None, None), seen, on_raw, staged)
        for batch in prefetch(everything, depth=4, name="fp-source-read"):
            spill.add(batch)
    finally:
        spill.close()
    for index, window in enumerate(windows):
        sort.run(con, spill.reader(index), window)
        spill.release(index)
