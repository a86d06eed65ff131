"""The sort re-proves its sources against the landing, and windows statistics-less outputs, on SeaweedFS."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.oracle.land import land_world
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.runtime import OracleRuntime
from fraud_platform.oracle.seal import seal_pack
from fraud_platform.oracle.sort import SortOptions, sort_stream_views
from fraud_platform.oracle.sort import engine as sort_engine
from fraud_platform.oracle.sort import run as sort_run
from fraud_platform.oracle.sort.closure.receipt import StreamSortReceipt, parse_receipt
from fraud_platform.oracle.sort.engine import spill_pays
from fraud_platform.oracle.sort.pack import load_sealed_pack
from fraud_platform.oracle.sort.source import SourceSet, TimeWindow, arrow_s3_filesystem
from fraud_platform.oracle.sources import LocalFolderSource

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"
EVENTS = "s3_event_stream_with_fraud_6B"
BASELINE = "s2_event_stream_baseline_6B"  # written with statistics off, as the engine writes it
Lander = Callable[..., PackRoot]


def _receipt(runtime: OracleRuntime, root: PackRoot, output_id: str) -> StreamSortReceipt:
    return parse_receipt(runtime.store.get(root.stream_receipt(output_id)))


def _sources(runtime: OracleRuntime, root: PackRoot, output_id: str) -> SourceSet:
    pack = load_sealed_pack(runtime.store, root, SCENARIO)
    spec = load_catalogue().output(output_id)
    return SourceSet(arrow_s3_filesystem(runtime.creds), root, pack.source_files(spec), spec.sort_keys)


def test_a_source_overwritten_after_landing_stops_the_sort_before_anything_is_written(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    victim = _sources(sort_runtime, root, EVENTS).files[-1]  # the last file: earlier ones stage fine
    location = root.child(victim.path)
    table = pq.read_table(io.BytesIO(sort_runtime.store.get(location)))
    index = table.schema.get_field_index("amount")
    amounts = table.column(index)
    forged = table.set_column(index, table.schema.field(index), pc.add(amounts, pc.cast(1, amounts.type)))
    assert forged.schema.equals(table.schema)  # valid Parquet, same schema: only the values differ
    body = io.BytesIO()
    pq.write_table(forged, body, row_group_size=max(1, table.num_rows))
    # A raw PUT without If-None-Match (any client may send one; local SeaweedFS cannot forbid it).
    fs = arrow_s3_filesystem(sort_runtime.creds)
    with fs.open_output_stream(f"{location.bucket}/{location.key}") as out:
        out.write(body.getvalue())
    info = sort_runtime.store.head(location)
    assert info is not None and info.size == len(body.getvalue())  # the landed object really changed

    with pytest.raises(FailClosed) as refused:
        sort_stream_views(sort_runtime.store, sort_runtime.creds, root, SCENARIO, outputs=[EVENTS])
    assert refused.value.code == "STREAM_SORT_SOURCE_CHANGED"
    assert refused.value.refs["path"] == victim.path
    assert refused.value.refs["landed_sha256"] == victim.sha256
    assert refused.value.refs["read_sha256"] != victim.sha256
    # Nothing committed, nothing even written: no receipt, no manifest, no part.
    assert list(sort_runtime.store.list(root.child("stream_view/"))) == []


@pytest.fixture(scope="module")
def multi_day_world(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    """A small world whose rows span several days (the shared sort world spans one), for windows to cut."""
    return synthesize_world(tmp_path_factory.mktemp("sort_windows"), 7, SCENARIO, 240, days=10)


def _land_sealed(runtime: OracleRuntime, world: WorldInfo) -> PackRoot:
    root = PackRoot.parse(f"s3://{runtime.bucket}/oracle-store/it-sort-windows/{uuid.uuid4().hex}/")
    land_world(LocalFolderSource(world.root), runtime.store, root)
    assert seal_pack(runtime.store, root, SCENARIO, runtime.tails()).ok
    return root


def test_window_days_on_a_statistics_less_output_uses_several_windows_and_proves(
    sort_runtime: OracleRuntime,
    multi_day_world: WorldInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole, windowed = _land_sealed(sort_runtime, multi_day_world), _land_sealed(sort_runtime, multi_day_world)
    sources = _sources(sort_runtime, windowed, BASELINE)
    first_key = sources.files[0].metadata.schema.names.index("ts_utc")
    assert all(
        not (stats := f.metadata.row_group(g).column(first_key).statistics) or not stats.has_min_max
        for f in sources.files
        for g in range(f.metadata.num_row_groups)
    ), "the synth baseline must be written without statistics, as the engine writes it"

    used: list[list[TimeWindow]] = []
    spilled: list[bool] = []
    real_sort = sort_run.sort_to_parts

    def _recording(sources: SourceSet, windows: Sequence[TimeWindow], *args: Any, **kwargs: Any) -> None:
        used.append(list(windows))
        spilled.append(spill_pays(sources, windows))
        real_sort(sources, windows, *args, **kwargs)

    monkeypatch.setattr(sort_run, "sort_to_parts", _recording)
    spill = tmp_path / "spill"
    spill.mkdir()
    options = SortOptions(window_days=1, part_rows=256, row_group_rows=128, temp_dir=spill)
    sort_stream_views(
        sort_runtime.store, sort_runtime.creds, windowed, SCENARIO, outputs=[BASELINE], options=options
    )
    sort_stream_views(sort_runtime.store, sort_runtime.creds, whole, SCENARIO, outputs=[BASELINE])

    (windows,) = used[:1]
    assert len(windows) > 2, windows  # the old code silently sorted one unbounded window
    assert len(used) == 2 and used[1] == [TimeWindow(None, None)]
    # Every row group spans the ten days, so the windowed sort decoded the sources once into
    # per-window spill files; one window reads the sources straight.
    assert spilled == [True, False]
    a, b = _receipt(sort_runtime, whole, BASELINE), _receipt(sort_runtime, windowed, BASELINE)
    assert b.window_days == 1
    assert b.raw.multiset_digest == b.sorted.multiset_digest and b.raw.row_count == b.sorted.row_count > 0
    assert a.sorted.ordered_digest == b.sorted.ordered_digest  # the very same sequence of rows
    assert list(spill.iterdir()) == []  # staged copies and spills are gone


def test_windows_read_straight_from_the_sources_give_the_spilled_view(
    sort_runtime: OracleRuntime, multi_day_world: WorldInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two ways of feeding windows (spill files, or each window re-reading the sources) agree."""
    spilled, direct = _land_sealed(sort_runtime, multi_day_world), _land_sealed(sort_runtime, multi_day_world)
    options = SortOptions(window_days=1, part_rows=256, row_group_rows=128)
    sort_stream_views(
        sort_runtime.store, sort_runtime.creds, spilled, SCENARIO, outputs=[BASELINE], options=options
    )
    monkeypatch.setattr(sort_engine, "spill_pays", lambda *_args: False)
    sort_stream_views(
        sort_runtime.store, sort_runtime.creds, direct, SCENARIO, outputs=[BASELINE], options=options
    )
    a, b = _receipt(sort_runtime, spilled, BASELINE), _receipt(sort_runtime, direct, BASELINE)
    assert a.sorted.ordered_digest == b.sorted.ordered_digest and a.raw == b.raw
    assert b.raw.multiset_digest == b.sorted.multiset_digest and b.sorted.row_count > 0
    assert [part.sha256 for part in a.parts] == [part.sha256 for part in b.parts]  # byte for byte
