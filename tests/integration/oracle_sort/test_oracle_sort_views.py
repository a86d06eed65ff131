"""Stream views on real SeaweedFS: built, proven, idempotent, crash-safe, location-free, fail-closed."""

from __future__ import annotations

import json
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fraud_platform.cli.app import app
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.oracle.check import check_pack
from fraud_platform.oracle.layout import STREAM_VIEW_MANIFEST_NAME, PackRoot, view_manifest_name
from fraud_platform.oracle.runtime import OracleRuntime
from fraud_platform.oracle.sort import SortOptions, ViewResult, sort_stream_views
from fraud_platform.oracle.sort.closure.receipt import StreamSortReceipt, parse_receipt, parse_view_manifest
from fraud_platform.oracle.sort.pack import load_sealed_pack
from fraud_platform.oracle.sort.source import arrow_s3_filesystem
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"
EVENTS = "s3_event_stream_with_fraud_6B"
Lander = Callable[..., PackRoot]


class _Crash(Exception):
    """A simulated process death at a chosen stage."""


class _CrashAt:
    """A SortProgress that dies when the sort reaches `stage`."""

    def __init__(self, stage: str) -> None:
        self._stage = stage

    def started(self, output_id: str, work_rows: int) -> None:
        return None

    def advanced(self, output_id: str, rows: int) -> None:
        return None

    def stage(self, output_id: str, stage: str) -> None:
        if stage == self._stage:
            raise _Crash(stage)


def _sort(
    runtime: OracleRuntime, root: PackRoot, outputs: list[str] | None = None, **kwargs: object
) -> list[ViewResult]:
    return sort_stream_views(runtime.store, runtime.creds, root, SCENARIO, outputs=outputs, **kwargs)  # type: ignore[arg-type]


def _receipt(runtime: OracleRuntime, root: PackRoot, output_id: str) -> StreamSortReceipt:
    return parse_receipt(runtime.store.get(root.stream_receipt(output_id)))


def _view_table(runtime: OracleRuntime, root: PackRoot, receipt: StreamSortReceipt) -> pa.Table:
    fs = arrow_s3_filesystem(runtime.creds)
    folder = root.child(root.stream_view_dir(receipt.output_id))
    tables = [
        pq.read_table(f"{folder.bucket}/{folder.child(p.name).key}", filesystem=fs) for p in receipt.parts
    ]
    return pa.concat_tables(tables)


def _source_table(runtime: OracleRuntime, root: PackRoot, output_id: str) -> pa.Table:
    pack = load_sealed_pack(runtime.store, root, SCENARIO)
    fs = arrow_s3_filesystem(runtime.creds)
    files = pack.source_files(load_catalogue().output(output_id))
    return pa.concat_tables(
        [pq.read_table(f"{root.location.bucket}/{root.prefix}{e.path}", filesystem=fs) for e in files]
    )


def _canonical(table: pa.Table) -> list[tuple[object, ...]]:
    """The rows as sorted tuples: a multiset comparison independent of the sort under test."""
    return sorted(tuple(row.values()) for row in table.to_pylist())


def _keys(output_id: str) -> list[str]:
    return list(load_catalogue().output(output_id).sort_keys)


def _objects(runtime: OracleRuntime, root: PackRoot) -> dict[str, str]:
    return {info.key: info.etag for info in runtime.store.list(root.child("stream_view/"))}


def test_default_views_are_sorted_complete_and_pass_the_consumer_check(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    results = _sort(sort_runtime, root)
    assert [r.output_id for r in results] == list(load_catalogue().default_stream_outputs)
    for result in results:
        assert result.status == "created"
        receipt = _receipt(sort_runtime, root, result.output_id)
        assert receipt.stream_view_id == result.stream_view_id
        assert receipt.raw.row_count == receipt.sorted.row_count == result.rows > 0
        assert receipt.raw.multiset_digest == receipt.sorted.multiset_digest
        assert receipt.sorted.keys_non_decreasing is True
        view, source = (
            _view_table(sort_runtime, root, receipt),
            _source_table(sort_runtime, root, result.output_id),
        )
        assert view.schema.equals(source.schema, check_metadata=False)
        assert _canonical(view) == _canonical(source)  # no drop, no duplicate, no change
        ts = view.column("ts_utc")
        assert pc.all(pc.greater_equal(ts.slice(1), ts.slice(0, len(ts) - 1))).as_py()
        assert receipt.sorted.min == [pc.min(ts).as_py()] and receipt.sorted.max == [pc.max(ts).as_py()]
        manifest_bytes = sort_runtime.store.get(
            root.child(root.stream_view_dir(result.output_id) + receipt.manifest.name)
        )
        assert receipt.manifest.name == view_manifest_name(receipt.attempt_id)
        manifest = parse_view_manifest(manifest_bytes)
        assert manifest.parts == receipt.parts and manifest.attempt_id == receipt.attempt_id
    report = check_pack(sort_runtime.store, root, SCENARIO)
    assert report.ok, report.failures


def test_rerun_skips_committed_views_without_writing(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    first = _sort(sort_runtime, root, [EVENTS])
    before = _objects(sort_runtime, root)
    again = _sort(sort_runtime, root, [EVENTS])
    assert again[0].status == "skipped"
    assert again[0].stream_view_id == first[0].stream_view_id and again[0].rows == first[0].rows
    assert _objects(sort_runtime, root) == before


def test_crash_after_parts_then_rerun_commits_a_correct_view(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    with pytest.raises(_Crash):
        _sort(sort_runtime, root, [EVENTS], progress=_CrashAt("parts_written"))
    assert sort_runtime.store.head(root.stream_receipt(EVENTS)) is None
    orphans = [key for key in _objects(sort_runtime, root) if key.endswith(".parquet")]
    assert orphans, "the crashed attempt should have left its parts"
    result = _sort(sort_runtime, root, [EVENTS])[0]
    assert result.status == "created"
    receipt = _receipt(sort_runtime, root, EVENTS)
    assert all(part.name.startswith(f"attempt={receipt.attempt_id}/") for part in receipt.parts)
    assert not any(f"attempt={receipt.attempt_id}/" in key for key in orphans)
    assert _canonical(_view_table(sort_runtime, root, receipt)) == _canonical(
        _source_table(sort_runtime, root, EVENTS)
    )
    assert check_pack(sort_runtime.store, root, SCENARIO, [EVENTS]).ok


def test_crash_after_manifest_then_rerun_commits_a_new_attempt_and_never_adopts(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    with pytest.raises(_Crash):
        _sort(sort_runtime, root, [EVENTS], progress=_CrashAt("manifest_written"))
    folder = root.child(root.stream_view_dir(EVENTS))
    (orphan_key,) = [
        info.key for info in sort_runtime.store.list(folder) if info.key.endswith(STREAM_VIEW_MANIFEST_NAME)
    ]
    orphan = parse_view_manifest(sort_runtime.store.get(S3Location(folder.bucket, orphan_key)))
    assert orphan_key.endswith(view_manifest_name(orphan.attempt_id))
    assert sort_runtime.store.head(root.stream_receipt(EVENTS)) is None
    result = _sort(sort_runtime, root, [EVENTS])[0]
    assert result.status == "created" and result.attempt_id != orphan.attempt_id
    receipt = _receipt(sort_runtime, root, EVENTS)
    assert receipt.manifest.name == view_manifest_name(receipt.attempt_id)
    assert receipt.raw.multiset_digest == receipt.sorted.multiset_digest
    assert orphan.row_count == receipt.sorted.row_count and orphan.parts != receipt.parts


def test_unsealed_pack_is_refused_and_nothing_is_written(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root(sealed=False)
    with pytest.raises(FailClosed) as refused:
        _sort(sort_runtime, root, [EVENTS])
    assert refused.value.code == "PACK_NOT_SEALED"
    assert _objects(sort_runtime, root) == {}


def test_unknown_output_is_refused_before_any_work(sort_runtime: OracleRuntime, landed_root: Lander) -> None:
    root = landed_root()
    with pytest.raises(FailClosed) as refused:
        _sort(sort_runtime, root, [EVENTS, "no_such_output_6B"])
    assert refused.value.code == "OUTPUT_UNKNOWN"
    assert _objects(sort_runtime, root) == {}


def test_view_copied_to_another_root_is_the_same_view(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    original = _sort(sort_runtime, root, [EVENTS])[0]
    copy = PackRoot.parse(root.uri.rstrip("/") + "-copy/")
    for info in sort_runtime.store.list(root.location):
        relative = root.relative(info.key)
        sort_runtime.store.put_if_absent(
            copy.child(relative), sort_runtime.store.get(S3Location(root.location.bucket, info.key))
        )
    moved = _sort(sort_runtime, copy, [EVENTS])[0]
    assert moved.status == "skipped"
    assert moved.stream_view_id == original.stream_view_id
    assert moved.receipt_uri != original.receipt_uri
    assert check_pack(sort_runtime.store, copy, SCENARIO, [EVENTS]).ok


def test_time_windows_give_the_same_view(sort_runtime: OracleRuntime, landed_root: Lander) -> None:
    whole, windowed = landed_root(), landed_root()
    _sort(sort_runtime, whole, [EVENTS])
    _sort(
        sort_runtime,
        windowed,
        [EVENTS],
        options=SortOptions(window_days=1, part_rows=256, row_group_rows=128),
    )
    a, b = _receipt(sort_runtime, whole, EVENTS), _receipt(sort_runtime, windowed, EVENTS)
    assert b.window_days == 1 and len(b.parts) > 1
    assert a.sorted.ordered_digest == b.sorted.ordered_digest  # the very same sequence of rows
    assert a.sorted.multiset_digest == b.sorted.multiset_digest == b.raw.multiset_digest


def test_pinned_fallback_keys_sort_outputs_without_ts_utc(
    sort_runtime: OracleRuntime, landed_root: Lander
) -> None:
    root = landed_root()
    labels = "s4_event_labels_6B"
    result = _sort(sort_runtime, root, [labels])[0]
    receipt = _receipt(sort_runtime, root, labels)
    assert receipt.sort_keys == _keys(labels) == ["flow_id", "event_seq"]
    view = _view_table(sort_runtime, root, receipt)
    pairs = list(zip(view.column("flow_id").to_pylist(), view.column("event_seq").to_pylist(), strict=True))
    assert pairs == sorted(pairs) and len(pairs) == result.rows


def test_cli_sort_json_line(
    sort_runtime: OracleRuntime, landed_root: Lander, local_substrates: LocalSubstrates
) -> None:
    root = landed_root()
    args = [
        "oracle",
        "sort",
        "--root",
        root.uri,
        "--scenario-id",
        SCENARIO,
        "--outputs",
        EVENTS,
        "--role",
        "operator",
        "--json",
    ]
    result = CliRunner().invoke(app, args, env=local_substrates.env, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["ok"] is True and line["code"] == "OK"
    (view,) = line["views"]
    assert view["output_id"] == EVENTS and view["status"] == "created" and view["rows"] > 0
    assert view["receipt_uri"] == root.stream_receipt(EVENTS).uri
    assert view["stream_view_id"] == _receipt(sort_runtime, root, EVENTS).stream_view_id
    refused = CliRunner().invoke(
        app, [*args[:-3], "--outputs", "nope", "--role", "operator", "--json"], env=local_substrates.env
    )
    assert refused.exit_code == 2
    assert json.loads(refused.stdout.strip().splitlines()[-1])["code"] == "OUTPUT_UNKNOWN"
