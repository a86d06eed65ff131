"""One pass that cuts every source row into its time window's local spill file (Arrow IPC, compressed).

Why: a window reads the row groups whose `ts_utc` range overlaps it. When the rows of each file are
spread over the whole period (the engine's flow anchors: no time clustering, no statistics), every
row group overlaps every window, so sorting w windows straight from the sources decodes every
Parquet row group w times (13 times for 90 days in 7-day windows, most of the sort's CPU). Instead
the sources are decoded once, each row goes to the spill file of the one window that holds it, and
each window's sort then reads only its own rows back (decompressing Arrow IPC costs a fraction of a
Parquet decode). Nothing here is trusted by the proof: the raw digests are computed from the proven
sources as they are decoded, and the view side from the parts read back, so a row lost or changed in
a spill file fails the closure proof.

Each source batch is grouped by window with one take and each window's share is appended to its
file at once, so memory holds one batch, whatever the number of windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort._reasons import STREAM_SORT_KEY_NULL
from fraud_platform.oracle.sort.windows import TimeWindow

__all__ = ["WindowSpill", "window_index"]

_COMPRESSION = "lz4"


def window_index(column: pa.Array, edges: Sequence[str]) -> np.ndarray:
    """For each value k, the number of `edges` (ascending) that are <= k: its window's index.

    A null key belongs to no window: STREAM_SORT_KEY_NULL (the raw side refuses it too).
    """
    if column.null_count:
        raise FailClosed(
            STREAM_SORT_KEY_NULL,
            f"{column.null_count} row(s) have a null first sort key",
            {"null_rows": column.null_count},
        )
    index = np.zeros(len(column), dtype=np.uint16)
    for edge in edges:
        above = pc.greater_equal(column, pa.scalar(edge, column.type))
        index += above.to_numpy(zero_copy_only=False)
    return index


class WindowSpill:
    """Per-window Arrow IPC files under `directory`, filled by `add` and read back by `reader`.

    The windows must be contiguous and ascending (each one's `high` is the next one's `low`, the
    first open below and the last open above, as `day_windows` makes them), so every key falls in
    exactly one window. Not thread-safe: one thread adds, then the windows are read in turn.
    """

    def __init__(self, directory: Path, schema: pa.Schema, windows: Sequence[TimeWindow], key: str) -> None:
        if not windows or windows[0].low is not None or windows[-1].high is not None:
            raise ValueError("the windows must cover every key (open at both ends)")
        if any(left.high != right.low for left, right in pairwise(windows)):
            raise ValueError("the windows must be contiguous")
        self._directory = directory
        self._schema = schema
        self._key = key
        self._edges = [window.high for window in windows[:-1] if window.high is not None]
        self._writers: list[ipc.RecordBatchStreamWriter | None] = [None] * len(windows)
        self._open = True
        self.rows = [0] * len(windows)
        self._options = ipc.IpcWriteOptions(compression=_COMPRESSION)

    def _path(self, index: int) -> Path:
        return self._directory / f"window-{index:05d}.arrows"

    def add(self, batch: pa.RecordBatch) -> None:
        """Append each row of `batch` (the spill's schema) to its window's file."""
        if batch.num_rows == 0:
            return
        index = window_index(batch.column(self._key), self._edges)
        counts = np.bincount(index, minlength=len(self._writers))
        if int(counts.max()) == batch.num_rows:
            self._write(int(index[0]), batch)
            return
        # One stable take groups the rows by window (numpy radix-sorts uint16), then each window's
        # rows are one slice, written as its own record batch (no second copy to coalesce them).
        grouped = batch.take(pa.array(np.argsort(index, kind="stable")))
        start = 0
        for window, rows in enumerate(counts.tolist()):
            if rows:
                self._write(window, grouped.slice(start, rows))
                start += rows

    def _write(self, window: int, batch: pa.RecordBatch) -> None:
        if not self._open:
            raise RuntimeError("the spill is closed")
        writer = self._writers[window]
        if writer is None:
            writer = ipc.new_stream(str(self._path(window)), self._schema, options=self._options)
            self._writers[window] = writer
        writer.write_batch(batch)
        self.rows[window] += batch.num_rows

    def close(self) -> None:
        """Close every file: the windows can be read from now on."""
        self._open = False
        for window, writer in enumerate(self._writers):
            if writer is not None:
                writer.close()
                self._writers[window] = None

    def reader(self, window: int) -> pa.RecordBatchReader:
        """The window's rows, in the order they were added (an empty stream for an empty window)."""
        if self._open:
            raise RuntimeError("the spill is still being written")
        if not self.rows[window]:
            return pa.RecordBatchReader.from_batches(self._schema, [])
        # A plain file, not a memory map: mapped pages would count in the process's RSS until the
        # whole window was read, on top of the sort's own memory.
        return ipc.open_stream(pa.OSFile(str(self._path(window))))

    def release(self, window: int) -> None:
        """Delete the window's file once its sort has read it."""
        self._path(window).unlink(missing_ok=True)
