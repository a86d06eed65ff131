"""Synthetic worlds: real layout, consistent keys, deliberate ties, determinism, write-once reruns."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine import LocalWorldReader, load_catalogue, read_run_receipt, verify_gates_for_outputs
from fraud_platform.engine.arrow_types import arrow_schema, schema_mismatches
from fraud_platform.engine.synth import WorldInfo, synthesize_world

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
FLOWS = 200
FILES = 3
DAYS = 2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    return synthesize_world(
        tmp_path_factory.mktemp("synth"), 42, "baseline_v1", FLOWS, files_per_output=FILES, days=DAYS
    )


def _parts(info: WorldInfo, output_id: str) -> list[Path]:
    spec = load_catalogue().output(output_id)
    folder = info.root / spec.partition_path(
        {
            "seed": info.seed,
            "parameter_hash": info.parameter_hash,
            "manifest_fingerprint": info.manifest_fingerprint,
            "scenario_id": info.scenario_id,
        }
    )
    return sorted(folder.glob("part-*.parquet"))


def _read(info: WorldInfo, output_id: str) -> pa.Table:
    # partitioning=None: the partition folders repeat column names (seed=…), as in the real engine.
    return pa.concat_tables([pq.read_table(part, partitioning=None) for part in _parts(info, output_id)])


def _rows(info: WorldInfo, output_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _read(info, output_id).to_pylist()
    return rows


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_run_receipt_identity(world: WorldInfo) -> None:
    raw = json.loads((world.root / "run_receipt.json").read_bytes())
    assert "scenario_id" not in raw
    receipt = read_run_receipt(LocalWorldReader(world.root))
    assert receipt.run_id == world.engine_run_id == world.root.name
    assert re.fullmatch(r"[0-9a-f]{32}", receipt.run_id)
    assert re.fullmatch(r"[0-9a-f]{64}", receipt.manifest_fingerprint)
    assert re.fullmatch(r"[0-9a-f]{64}", receipt.parameter_hash)
    assert receipt.seed == 42


def test_world_is_sealed(world: WorldInfo) -> None:
    verdict = verify_gates_for_outputs(
        LocalWorldReader(world.root), world.manifest_fingerprint, load_catalogue().output_ids
    )
    assert verdict.ok, verdict.to_json()


def test_every_output_is_multi_file_with_catalogue_schema_and_world_key(world: WorldInfo) -> None:
    cat = load_catalogue()
    for spec in cat.outputs:
        parts = _parts(world, spec.output_id)
        assert len(parts) == FILES, spec.output_id
        table = _read(world, spec.output_id)
        assert table.num_rows == world.rows[spec.output_id] > 0
        assert table.schema == arrow_schema(cat.output_columns(spec.output_id)), spec.output_id
        for path in parts:
            assert schema_mismatches(cat, spec.output_id, pq.read_schema(path)) == [], path
        for name, value in [
            ("seed", 42),
            ("manifest_fingerprint", world.manifest_fingerprint),
            ("parameter_hash", world.parameter_hash),
            ("scenario_id", "baseline_v1"),
        ]:
            if name in table.column_names:
                assert set(table.column(name).to_pylist()) == {value}
        for key in spec.primary_key:
            assert table.column(key).null_count == 0
        keys = list(zip(*(table.column(k).to_pylist() for k in spec.primary_key), strict=True))
        assert len(keys) == len(set(keys)), f"{spec.output_id}: duplicate primary key"


def test_synth_writes_the_engines_types_nulls_and_part_names(world: WorldInfo) -> None:
    """The engine's real facts (issue 8), not our old assumptions: each fails on the fp-synth/1 world."""
    cat = load_catalogue()
    anchor = _read(world, "s3_flow_anchor_with_fraud_6B").schema
    assert anchor.field("merchant_id").type == pa.uint64()
    assert anchor.field("seed").type == pa.int64()
    assert anchor.field("ts_utc").type == pa.large_string()
    assert _read(world, "arrival_events_5B").schema.field("seed").type == pa.uint64()
    assert _read(world, "s3_event_stream_with_fraud_6B").schema.field("ts_utc").type == pa.string()
    assert _read(world, "s4_case_timeline_6B").schema.field("case_event_seq").type == pa.int64()
    assert "parameter_hash" not in _read(world, "s1_session_index_6B").column_names
    events = _read(world, "s2_event_stream_baseline_6B")
    assert events.schema.field("event_seq").type == pa.int64()
    assert min(events.column("event_seq").to_pylist()) == 0
    for output_id, column in [
        ("arrival_events_5B", "channel_group"),
        ("s4_flow_truth_labels_6B", "fraud_label"),
        ("s4_flow_bank_view_6B", "bank_label"),
        ("s3_flow_anchor_with_fraud_6B", "campaign_id"),
    ]:
        assert 0 < _read(world, output_id).column(column).null_count < world.rows[output_id], column
    assert _parts(world, "arrival_events_5B")[0].name == "part-000000.parquet"
    assert _parts(world, "s2_flow_anchor_baseline_6B")[0].name == "part-00000.parquet"
    for output_id in cat.output_ids:
        stats = pq.ParquetFile(_parts(world, output_id)[0]).metadata.row_group(0).column(0).statistics
        assert (stats is not None) == cat.output(output_id).statistics, output_id
    assert not cat.output("s2_flow_anchor_baseline_6B").statistics


def test_single_file_fraud_stream_layout(tmp_path: Path) -> None:
    many = synthesize_world(tmp_path, 42, "baseline_v1", FLOWS, files_per_output=FILES, days=DAYS)
    single = synthesize_world(
        tmp_path, 42, "baseline_v1", FLOWS, files_per_output=FILES, days=DAYS, fraud_stream_layout="single"
    )
    assert single.engine_run_id != many.engine_run_id
    assert len(_parts(single, "s3_event_stream_with_fraud_6B")) == 1
    assert len(_parts(single, "s2_event_stream_baseline_6B")) == FILES
    own = list(load_catalogue().output("s3_event_stream_with_fraud_6B").column_names)
    same_rows = _read(single, "s3_event_stream_with_fraud_6B").select(own)
    assert same_rows.equals(_read(many, "s3_event_stream_with_fraud_6B").select(own))
    assert verify_gates_for_outputs(
        LocalWorldReader(single.root), single.manifest_fingerprint, load_catalogue().output_ids
    ).ok


def test_timestamps_are_rfc3339_micro_z_within_the_days_and_tied(world: WorldInfo) -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for output_id in ("s3_event_stream_with_fraud_6B", "arrival_events_5B", "s4_case_timeline_6B"):
        values = _read(world, output_id).column("ts_utc").to_pylist()
        assert all(TS.match(v) for v in values)
        moments = [datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values]
        assert start <= min(moments) and max(moments) < start + timedelta(days=DAYS)
    events = _parts(world, "s3_event_stream_with_fraud_6B")
    per_file = [Counter(pq.read_table(p, partitioning=None).column("ts_utc").to_pylist()) for p in events]
    assert all(max(c.values()) >= 3 for c in per_file), "ties within a file"
    shared = set(per_file[0]) & set(per_file[1])
    assert len(shared) >= 3, "ties across files"
    sessions = _read(world, "s1_session_index_6B")
    assert all(TS.match(v) for v in sessions.column("session_start_utc").to_pylist())
    local = _read(world, "arrival_events_5B").column("ts_local_primary").to_pylist()
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}", v) for v in local)


def test_flows_events_and_streams_are_consistent(world: WorldInfo) -> None:
    fraud = _rows(world, "s3_event_stream_with_fraud_6B")
    baseline = _rows(world, "s2_event_stream_baseline_6B")
    per_flow = Counter(r["flow_id"] for r in fraud)
    assert set(per_flow) == set(range(1, FLOWS + 1))
    assert set(per_flow.values()) <= set(range(1, 7))
    seqs: dict[int, list[int]] = {}
    for row in fraud:
        seqs.setdefault(row["flow_id"], []).append(row["event_seq"])
    assert all(sorted(s) == list(range(len(s))) for s in seqs.values())
    assert [(r["flow_id"], r["event_seq"], r["ts_utc"]) for r in fraud] == [
        (r["flow_id"], r["event_seq"], r["ts_utc"]) for r in baseline
    ]
    flagged = {r["flow_id"] for r in fraud if r["fraud_flag"]}
    assert 0 < len(flagged) < FLOWS
    assert all((r["campaign_id"] is not None) == r["fraud_flag"] for r in fraud)
    anchors = {r["flow_id"]: r for r in _rows(world, "s3_flow_anchor_with_fraud_6B")}
    base_anchors = {r["flow_id"]: r for r in _rows(world, "s2_flow_anchor_baseline_6B")}
    assert set(anchors) == set(base_anchors) == set(per_flow)
    assert {f for f, r in anchors.items() if r["fraud_flag"]} == flagged
    first_events = {r["flow_id"]: r for r in fraud if r["event_seq"] == 0}
    assert all(first_events[f]["ts_utc"] == anchors[f]["ts_utc"] for f in anchors)
    assert all(first_events[f]["amount"] == anchors[f]["amount"] for f in anchors)


def test_arrivals_entities_and_sessions_are_consistent(world: WorldInfo) -> None:
    arrivals = {(r["merchant_id"], r["arrival_seq"]): r for r in _rows(world, "arrival_events_5B")}
    entities = {(r["merchant_id"], r["arrival_seq"]): r for r in _rows(world, "s1_arrival_entities_6B")}
    assert set(arrivals) == set(entities)
    assert all(arrivals[k]["ts_utc"] == entities[k]["ts_utc"] for k in arrivals)
    anchors = _rows(world, "s2_flow_anchor_baseline_6B")
    for anchor in anchors:
        entity = entities[(anchor["merchant_id"], anchor["arrival_seq"])]
        assert (anchor["party_id"], anchor["device_id"], anchor["ts_utc"]) == (
            entity["party_id"],
            entity["device_id"],
            entity["ts_utc"],
        )
    sessions = {r["session_id"]: r for r in _rows(world, "s1_session_index_6B")}
    used = Counter(e["session_id"] for e in entities.values())
    assert set(used) == set(sessions)
    assert all(sessions[s]["arrival_count"] == n for s, n in used.items())
    assert all(r["session_start_utc"] <= r["session_end_utc"] for r in sessions.values())
    # Per merchant, arrival_seq numbers arrivals 1..n in time order.
    by_merchant: dict[int, list[tuple[int, str]]] = {}
    for (merchant, seq), row in arrivals.items():
        by_merchant.setdefault(merchant, []).append((seq, row["ts_utc"]))
    for seqs in by_merchant.values():
        seqs.sort()
        assert [s for s, _ in seqs] == list(range(1, len(seqs) + 1))
        assert [t for _, t in seqs] == sorted(t for _, t in seqs)


def test_labels_and_cases_are_consistent(world: WorldInfo) -> None:
    fraud_flows = {r["flow_id"] for r in _rows(world, "s3_flow_anchor_with_fraud_6B") if r["fraud_flag"]}
    truth = {r["flow_id"]: r for r in _rows(world, "s4_flow_truth_labels_6B")}
    bank = {r["flow_id"]: r for r in _rows(world, "s4_flow_bank_view_6B")}
    assert {f for f, r in truth.items() if r["is_fraud_truth"]} == fraud_flows
    # A null label (nullable upstream) only ever sits on a legitimate flow.
    assert all((r["fraud_label"] in ("LEGIT", None)) != r["is_fraud_truth"] for r in truth.values())
    event_labels = _rows(world, "s4_event_labels_6B")
    assert len(event_labels) == world.rows["s3_event_stream_with_fraud_6B"]
    assert all(r["is_fraud_truth"] == (r["flow_id"] in fraud_flows) for r in event_labels)
    flagged = {f for f, r in bank.items() if r["is_fraud_bank_view"]}
    cases = _rows(world, "s4_case_timeline_6B")
    assert {r["flow_id"] for r in cases} == flagged
    per_case: dict[int, list[dict[str, Any]]] = {}
    for row in cases:
        per_case.setdefault(row["case_id"], []).append(row)
    for rows in per_case.values():
        rows.sort(key=lambda r: r["case_event_seq"])
        assert [r["case_event_seq"] for r in rows] == list(range(len(rows)))
        assert rows[0]["case_event_type"] == "CASE_OPENED" and rows[-1]["case_event_type"] == "CASE_CLOSED"
        assert 2 <= len(rows) <= 4


def test_side_files_parse_and_hold_no_absolute_paths(world: WorldInfo) -> None:
    logs = sorted((world.root / "logs").rglob("*.jsonl"))
    reports = sorted((world.root / "reports").rglob("*.json"))
    configs = sorted((world.root / "config").rglob("*.yaml"))
    assert logs and reports and configs
    for path in logs:
        assert all(isinstance(json.loads(line), dict) for line in path.read_text().splitlines())
    report = json.loads(reports[0].read_bytes())
    assert (
        report["outputs"]["s3_event_stream_with_fraud_6B"]["rows"]
        == world.rows["s3_event_stream_with_fraud_6B"]
    )
    assert yaml.safe_load(configs[-1].read_text())["flows"] == FLOWS
    root_text = str(world.root.parent).encode()
    for path in world.root.rglob("*"):
        if path.is_file():
            assert root_text not in path.read_bytes(), path


def test_same_arguments_give_identical_bytes(world: WorldInfo, tmp_path: Path) -> None:
    again = synthesize_world(tmp_path, 42, "baseline_v1", FLOWS, files_per_output=FILES, days=DAYS)
    assert again.engine_run_id == world.engine_run_id
    assert _tree(again.root) == _tree(world.root)
    assert (again.files, again.bytes) == (world.files, world.bytes)


def test_other_arguments_give_other_worlds(world: WorldInfo, tmp_path: Path) -> None:
    other_seed = synthesize_world(tmp_path, 43, "baseline_v1", FLOWS, files_per_output=FILES, days=DAYS)
    other_scenario = synthesize_world(tmp_path, 42, "other", FLOWS, files_per_output=FILES, days=DAYS)
    assert len({world.engine_run_id, other_seed.engine_run_id, other_scenario.engine_run_id}) == 3
    assert (
        other_scenario.manifest_fingerprint == world.manifest_fingerprint
    )  # the scenario is a pin, not a manifest
    assert _read(other_seed, "s2_flow_anchor_baseline_6B").column("ts_utc") != _read(
        world, "s2_flow_anchor_baseline_6B"
    ).column("ts_utc")


def test_rerun_converges_and_never_overwrites(tmp_path: Path) -> None:
    first = synthesize_world(tmp_path, 5, "s", 50, files_per_output=2, days=1)
    assert not first.already_present
    before = _tree(first.root)
    second = synthesize_world(tmp_path, 5, "s", 50, files_per_output=2, days=1)
    assert second.already_present and _tree(second.root) == before
    flag = next(first.root.rglob("_passed.flag"))
    flag.write_text("sha256_hex = " + "0" * 64 + "\n")
    with pytest.raises(FailClosed) as caught:
        synthesize_world(tmp_path, 5, "s", 50, files_per_output=2, days=1)
    assert caught.value.code == "SYNTH_TARGET_CONFLICT"
    assert flag.read_text().startswith("sha256_hex = 000")  # nothing overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.engine_run_id]  # no staging left behind


def test_a_single_flow_world_is_complete(tmp_path: Path) -> None:
    info = synthesize_world(tmp_path, 0, "tiny", 1, files_per_output=4, days=1)
    assert info.rows["s3_flow_anchor_with_fraud_6B"] == 1
    assert info.rows["s4_case_timeline_6B"] >= 2
    assert verify_gates_for_outputs(
        LocalWorldReader(info.root), info.manifest_fingerprint, ["s4_case_timeline_6B"]
    ).ok


@pytest.mark.parametrize(
    "kwargs",
    [
        {"flows": 0},
        {"days": 0},
        {"files_per_output": 0},
        {"seed": -1},
        {"seed": 2**64},
        {"scenario_id": "a/b"},
        {"scenario_id": ""},
        {"scenario_id": "x y"},
        {"flows": True},
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "seed": 1,
        "scenario_id": "s",
        "flows": 10,
        "files_per_output": 2,
        "days": 1,
        **kwargs,
    }
    with pytest.raises(FailClosed) as caught:
        synthesize_world(tmp_path / "out", **args)
    assert caught.value.code == "SYNTH_ARGS_INVALID"
    assert not (tmp_path / "out").exists()
