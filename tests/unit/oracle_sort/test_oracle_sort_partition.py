"""Window spill files: each row lands in the one window that holds it, and spilling is chosen only when it pays."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import format_utc
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry
from fraud_platform.oracle.sort.engine import spill_pays
from fraud_platform.oracle.sort.partition import WindowSpill, window_index
from fraud_platform.oracle.sort.source import SourceSet
from fraud_platform.oracle.sort.windows import TimeWindow, day_windows

_START = datetime(2026, 3, 1, tzinfo=UTC)
_SCHEMA = pa.schema([pa.field("ts_utc", pa.large_string()), pa.field("flow_id", pa.int64())])


def _stamps(count: int, seed: int) -> list[str]:
    """`count` timestamps spread at random over ten days (edges included), in no order."""
    rng = random.Random(seed)
    picks = [_START + timedelta(seconds=rng.randrange(10 * 86_400)) for _ in range(count - 2)]
    return [format_utc(t) for t in [*picks, _START + timedelta(days=1), _START + timedelta(days=3)]]


def _windows() -> list[TimeWindow]:
    return day_windows("ts_utc", format_utc(_START), format_utc(_START + timedelta(days=10)), 3)


def _batch(stamps: list[str], first_id: int) -> pa.RecordBatch:
    ids = list(range(first_id, first_id + len(stamps)))
    return pa.RecordBatch.from_arrays([pa.array(stamps, pa.large_string()), pa.array(ids)], schema=_SCHEMA)


def test_window_index_agrees_with_the_window_masks() -> None:
    windows = _windows()
    column = pa.array(_stamps(500, 1), pa.large_string())
    index = window_index(column, [w.high for w in windows[:-1] if w.high is not None])
    for position, window in enumerate(windows):
        mask = window.mask(column)
        inside = [True] * len(column) if mask is None else mask.to_pylist()
        assert [i == position for i in index.tolist()] == inside, window


def test_every_row_is_read_back_from_its_own_window_in_order(tmp_path: Path) -> None:
    windows = _windows()
    assert len(windows) == 4
    spill = WindowSpill(tmp_path, _SCHEMA, windows, "ts_utc")
    batches = [_batch(_stamps(300, seed), seed * 1_000) for seed in range(5)]
    batches.append(_batch([format_utc(_START + timedelta(hours=2))] * 7, 9_000))  # all in window 0
    for batch in batches:
        spill.add(batch)
    spill.close()
    sent = pa.Table.from_batches(batches)
    for index, window in enumerate(windows):
        got = spill.reader(index).read_all()
        mask = window.mask(sent.column("ts_utc").combine_chunks())
        expected = sent if mask is None else sent.filter(mask)
        assert got.column("flow_id").to_pylist() == expected.column("flow_id").to_pylist()
        assert got.num_rows == spill.rows[index] > 0
        spill.release(index)
    assert sum(spill.rows) == sent.num_rows
    assert list(tmp_path.iterdir()) == []


def test_an_empty_window_reads_as_an_empty_stream(tmp_path: Path) -> None:
    windows = _windows()
    spill = WindowSpill(tmp_path, _SCHEMA, windows, "ts_utc")
    spill.add(_batch([format_utc(_START + timedelta(hours=1))] * 3, 0))
    spill.close()
    assert spill.reader(0).read_all().num_rows == 3
    assert [spill.reader(i).read_all().num_rows for i in range(1, len(windows))] == [0] * (len(windows) - 1)


def test_a_null_key_is_refused(tmp_path: Path) -> None:
    spill = WindowSpill(tmp_path, _SCHEMA, _windows(), "ts_utc")
    batch = pa.RecordBatch.from_arrays(
        [pa.array(["2026-03-02T00:00:00.000000Z", None], pa.large_string()), pa.array([1, 2])], schema=_SCHEMA
    )
    with pytest.raises(FailClosed) as refused:
        spill.add(batch)
    assert refused.value.code == "STREAM_SORT_KEY_NULL"


def test_windows_that_leave_a_gap_are_refused(tmp_path: Path) -> None:
    gap = [TimeWindow(None, "2026-03-02T00:00:00.000000Z"), TimeWindow("2026-03-03T00:00:00.000000Z", None)]
    with pytest.raises(ValueError, match="contiguous"):
        WindowSpill(tmp_path, _SCHEMA, gap, "ts_utc")
    with pytest.raises(ValueError, match="open at both ends"):
        WindowSpill(tmp_path, _SCHEMA, gap[1:], "ts_utc")


def _sources(tmp_path: Path, tables: list[pa.Table]) -> SourceSet:
    entries = []
    for number, table in enumerate(tables):
        local = tmp_path / "bucket" / "pack" / f"part-{number:05d}.parquet"
        local.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, local, row_group_size=50, write_statistics=False)
        data = local.read_bytes()
        entries.append(LandingEntry(path=local.name, size=len(data), sha256=hashlib.sha256(data).hexdigest()))
    fs = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    return SourceSet(fs, PackRoot.parse("s3://bucket/pack/"), entries, ["ts_utc"])


def test_spilling_is_chosen_only_when_the_windows_would_reread_the_sources(tmp_path: Path) -> None:
    spread = [pa.Table.from_batches([_batch(_stamps(100, seed), seed * 100)]) for seed in range(3)]
    clustered = [
        pa.Table.from_batches(
            [_batch([format_utc(_START + timedelta(days=day, minutes=m)) for m in range(100)], day * 100)]
        )
        for day in range(0, 10, 3)
    ]
    unclustered, by_time = _sources(tmp_path / "u", spread), _sources(tmp_path / "c", clustered)
    assert spill_pays(unclustered, unclustered.windows(3))  # every row group spans every window
    assert not spill_pays(by_time, by_time.windows(3))  # each row group lies in one window
    assert not spill_pays(unclustered, unclustered.windows(None))  # one window reads the sources once
