"""The consumer check on the real SeaweedFS: one stable reason code per way a pack can be untrustworthy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oracle_it import SCENARIO, fp, fresh_root

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    check_pack,
    land_world,
    seal_pack,
)
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.oracle.views import read_stream_receipt
from fraud_platform.substrate.local import LocalSubstrates

pytestmark = pytest.mark.integration


def _sealed(runtime: OracleRuntime, world: Path, outputs: list[str] | None = None) -> PackRoot:
    root = fresh_root(runtime)
    land_world(LocalFolderSource(world), runtime.store, root)
    report = seal_pack(runtime.store, root, SCENARIO, runtime.tails(), output_ids=outputs)
    assert report.ok
    return root


def test_an_unsealed_landing_is_not_a_pack(oracle_runtime: OracleRuntime, small_world: WorldInfo) -> None:
    root = fresh_root(oracle_runtime)
    land_world(LocalFolderSource(small_world.root), oracle_runtime.store, root)
    report = check_pack(oracle_runtime.store, root, SCENARIO)
    assert not report.ok and report.code == "PACK_NOT_SEALED" and len(report.failures) == 1
    with pytest.raises(FailClosed) as caught:
        report.raise_for_failure()
    assert caught.value.code == "PACK_NOT_SEALED"


def test_a_sealed_pack_without_stream_views_names_each_missing_view(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _sealed(oracle_runtime, small_world.root)
    code, line = fp(
        local_substrates,
        [
            "oracle",
            "check",
            "--root",
            root.uri,
            "--scenario-id",
            SCENARIO,
            "--outputs",
            "arrival_events_5B,s3_event_stream_with_fraud_6B",
            "--role",
            "operator",
        ],
    )
    assert code == 2 and line["code"] == "STREAM_VIEW_MISSING"
    assert {(f["code"], f["subject"]) for f in line["failures"]} == {
        ("STREAM_VIEW_MISSING", "arrival_events_5B"),
        ("STREAM_VIEW_MISSING", "s3_event_stream_with_fraud_6B"),
    }
    assert line["oracle_pack_id"] and all(g["status"] == "PASS" for g in line["gate_receipts"])


def test_another_scenario_is_a_world_key_mismatch(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _sealed(oracle_runtime, small_world.root)
    report = check_pack(oracle_runtime.store, root, "other_v1")
    assert report.code == "WORLD_KEY_MISMATCH"


def test_a_landing_manifest_replaced_after_the_seal_is_a_digest_mismatch(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _sealed(oracle_runtime, small_world.root)
    store = oracle_runtime.store
    document = json.loads(store.get(root.landing_manifest))
    document["entries"][0]["size"] += 1
    document["total_bytes"] += 1
    store.delete(root.landing_manifest)  # only the operator may; bootstrap's policy forbids even that
    store.put_if_absent(root.landing_manifest, canonical_file_bytes(document))
    assert check_pack(store, root, SCENARIO).code == "LANDING_DIGEST_MISMATCH"


def test_a_gate_outside_the_sealed_outputs_is_checked_by_hash(
    oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    (flag_folder,) = (world_copy / "data/layer3/6B/validation").iterdir()
    flag = flag_folder / "_passed.flag"
    flag.write_text("sha256_hex = " + "0" * 64 + "\n")
    root = _sealed(oracle_runtime, world_copy, outputs=["arrival_events_5B"])  # 5B's closure stops below 6B
    report = check_pack(
        oracle_runtime.store, root, SCENARIO, ["arrival_events_5B", "s2_event_stream_baseline_6B"]
    )
    codes = {(f.code, f.subject) for f in report.failures}
    assert ("GATE_CONFLICT", "gate.layer3.6B.validation") in codes
    assert ("STREAM_VIEW_MISSING", "s2_event_stream_baseline_6B") in codes  # never sealed as streamed


def test_a_sorted_sealed_pack_passes_and_hands_out_its_pack_ref(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, sorted_pack: PackRoot
) -> None:
    code, line = fp(
        local_substrates,
        ["oracle", "check", "--root", sorted_pack.uri, "--scenario-id", SCENARIO, "--role", "operator"],
    )
    assert code == 0 and line["check_ok"] is True and line["failures"] == []
    report = check_pack(oracle_runtime.store, sorted_pack, SCENARIO)
    ref = report.pack_ref()
    assert ref["pack_root"] == sorted_pack.uri and len(ref["stream_views"]) == 6
    assert ref["oracle_pack_id"] == line["oracle_pack_id"]


def _sorted_one(runtime: OracleRuntime, world: Path, output_id: str) -> PackRoot:
    root = _sealed(runtime, world)
    sort_stream_views(runtime.store, runtime.creds, root, SCENARIO, outputs=[output_id])
    assert check_pack(runtime.store, root, SCENARIO, [output_id]).ok
    return root


def test_a_view_whose_part_was_deleted_after_commit_is_caught(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    output_id = "arrival_events_5B"
    root = _sorted_one(oracle_runtime, small_world.root, output_id)
    receipt = read_stream_receipt(oracle_runtime.store, root, output_id)
    assert receipt is not None and receipt.parts
    oracle_runtime.store.delete(root.child(root.stream_view_dir(output_id) + receipt.parts[0].name))
    report = check_pack(oracle_runtime.store, root, SCENARIO, [output_id])
    assert [(f.code, f.subject) for f in report.failures] == [("STREAM_VIEW_PARTS_MISSING", output_id)]


def test_a_receipt_rewritten_after_commit_is_unbound_or_inconsistent(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    output_id = "arrival_events_5B"
    root = _sorted_one(oracle_runtime, small_world.root, output_id)
    store, location = oracle_runtime.store, root.stream_receipt(output_id)
    document = json.loads(store.get(location))
    document["raw"]["row_count"] += 1  # claims a row the view does not have
    store.delete(location)
    store.put_if_absent(location, canonical_file_bytes(document))
    assert check_pack(store, root, SCENARIO, [output_id]).code == "STREAM_VIEW_INCONSISTENT"
    document["raw"]["row_count"] -= 1
    document["oracle_pack_id"] = "f" * 64  # a receipt of another pack
    store.delete(location)
    store.put_if_absent(location, canonical_file_bytes(document))
    assert check_pack(store, root, SCENARIO, [output_id]).code == "STREAM_VIEW_UNBOUND"
