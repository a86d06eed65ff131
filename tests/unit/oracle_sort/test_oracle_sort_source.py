"""SourceSet on local files: staged copies are re-proven against the landing, windows need no statistics."""

from __future__ import annotations

import hashlib
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
from fraud_platform.oracle.sort.source import TIEBREAK_COLUMN, SourceFile, SourceSet, TimeWindow

_ROOT = PackRoot.parse("s3://bucket/pack/")
_START = datetime(2026, 3, 1, 6, tzinfo=UTC)


def _table(first: int, rows: int, hours: int) -> pa.Table:
    """`rows` rows whose ts_utc steps `hours` apart from row `first` on, out of order within the file."""
    ids = list(range(first, first + rows))
    stamps = [format_utc(_START + timedelta(hours=hours * i)) for i in ids]
    return pa.table({"ts_utc": pa.array(stamps[::-1], pa.large_string()), "flow_id": pa.array(ids[::-1])})


def _write(tmp_path: Path, name: str, table: pa.Table, *, statistics: bool, group: int = 10) -> LandingEntry:
    local = tmp_path / "bucket" / "pack" / name
    local.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, local, row_group_size=group, write_statistics=statistics)
    data = local.read_bytes()
    return LandingEntry(path=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def _sources(tmp_path: Path, entries: list[LandingEntry]) -> SourceSet:
    fs = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    return SourceSet(fs, _ROOT, entries, ["ts_utc"], batch_rows=7)


def _read_all(sources: SourceSet, windows: list[TimeWindow], spill: Path) -> tuple[list[int], int]:
    """flow_ids per window order, and how many row groups the raw callback saw."""
    seen: set[tuple[int, int]] = set()
    raw: list[int] = []

    def _on_raw(_source: SourceFile, _position: int, batch: pa.RecordBatch) -> None:
        raw.append(batch.num_rows)

    flow_ids: list[int] = []
    spill.mkdir(exist_ok=True)
    with sources.staging(spill) as staged:
        for index, window in enumerate(windows):
            for batch in sources.batches(window, seen, _on_raw, staged, later=windows[index + 1 :]):
                assert batch.schema.names[-1] == TIEBREAK_COLUMN
                flow_ids.extend(batch.column("flow_id").to_pylist())
    return flow_ids, sum(raw)


def test_windows_come_from_the_data_when_the_files_have_no_statistics(tmp_path: Path) -> None:
    entries = [
        _write(tmp_path, "a/part-00000.parquet", _table(0, 40, 3), statistics=False),
        _write(tmp_path, "a/part-00001.parquet", _table(40, 40, 3), statistics=False),
    ]
    sources = _sources(tmp_path, entries)
    assert all(g.key_min is None for f in sources.files for g in f.row_groups)  # truly statistics-off
    windows = sources.windows(1)
    # 80 rows 3 h apart run from 06:00 on day 1 to 03:00 on day 11: the day edges 2..11 make 11
    # windows (the old code found no statistics and silently used one).
    assert len(windows) == 11
    assert windows[0].low is None and windows[-1].high is None
    assert windows[1].low == "2026-03-02T00:00:00.000000Z"
    flow_ids, raw_rows = _read_all(sources, windows, tmp_path / "spill")
    assert sorted(flow_ids) == list(range(80))  # each row in exactly one window
    assert raw_rows == 80  # every row group reached the raw side exactly once
    # A window reads only row groups whose scanned range overlaps it: the first holds hours 6..23.
    with sources.staging(tmp_path / "spill") as staged:
        first = [
            row
            for batch in sources.batches(windows[0], set(), lambda *_: None, staged)
            for row in batch.column("flow_id").to_pylist()
        ]
    assert sorted(first) == list(range(6))


def test_statistics_and_data_ranges_give_the_same_windows(tmp_path: Path) -> None:
    with_stats = _sources(tmp_path, [_write(tmp_path, "s/p.parquet", _table(0, 30, 5), statistics=True)])
    without = _sources(tmp_path, [_write(tmp_path, "n/p.parquet", _table(0, 30, 5), statistics=False)])
    assert with_stats.windows(2) == without.windows(2)
    assert len(without.windows(2)) > 1


def test_a_source_changed_after_landing_is_refused_when_staged(tmp_path: Path) -> None:
    entry = _write(tmp_path, "c/part-00000.parquet", _table(0, 20, 1), statistics=True)
    sources = _sources(tmp_path, [entry])
    changed = _table(0, 20, 1).set_column(1, "flow_id", pa.array(range(100, 120)))
    pq.write_table(changed, tmp_path / "bucket" / "pack" / entry.path, row_group_size=10)  # same footer shape
    with pytest.raises(FailClosed) as refused:
        _read_all(sources, [TimeWindow(None, None)], tmp_path / "spill")
    assert refused.value.code == "STREAM_SORT_SOURCE_CHANGED"
    assert refused.value.refs["landed_sha256"] == entry.sha256
    assert not list((tmp_path / "spill").iterdir())  # the staging folder is gone


def test_a_footer_planned_from_other_bytes_is_refused(tmp_path: Path) -> None:
    landed = _table(0, 20, 1)
    entry = _write(tmp_path, "f/part-00000.parquet", landed, statistics=True)
    path = tmp_path / "bucket" / "pack" / entry.path
    original = path.read_bytes()
    pq.write_table(landed, path, row_group_size=5)  # overwritten while the footers are read …
    sources = _sources(tmp_path, [entry])
    path.write_bytes(original)  # … and put back before the bytes are staged
    with pytest.raises(FailClosed) as refused:
        _read_all(sources, [TimeWindow(None, None)], tmp_path / "spill")
    assert refused.value.code == "STREAM_SORT_SOURCE_CHANGED"
    assert "footer" in refused.value.detail


def test_staged_copies_are_released_and_the_scope_leaves_nothing(tmp_path: Path) -> None:
    entries = [
        _write(tmp_path, f"r/part-{i:05d}.parquet", _table(i * 10, 10, 1), statistics=True) for i in range(4)
    ]
    sources = _sources(tmp_path, entries)
    spill = tmp_path / "spill"
    spill.mkdir()
    seen: set[tuple[int, int]] = set()
    counts: list[int] = []
    with sources.staging(spill) as staged:
        (folder,) = list(spill.iterdir())
        for _batch in sources.batches(TimeWindow(None, None), seen, lambda *_: None, staged):
            counts.append(len(list(folder.iterdir())))
        assert not list(folder.iterdir())  # each copy released once read (no later window needs it)
    assert max(counts) <= 3  # the file being read plus at most two staged ahead
    assert not list(spill.iterdir())


def test_scanned_values_that_are_not_timestamps_refuse_the_windows(tmp_path: Path) -> None:
    table = pa.table({"ts_utc": pa.array(["yesterday", "today"]), "flow_id": pa.array([1, 2])})
    sources = _sources(tmp_path, [_write(tmp_path, "x/p.parquet", table, statistics=False)])
    with pytest.raises(FailClosed) as refused:
        sources.windows(1)
    assert refused.value.code == "STREAM_SORT_WINDOW_INVALID"
