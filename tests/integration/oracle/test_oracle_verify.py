"""Re-reading a landing byte for byte, and shadow parity between two roots, on the real SeaweedFS."""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle_it import SCENARIO, fp, fresh_root

from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    land_world,
    seal_pack,
    verify_landing,
)
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.local import LocalSubstrates

pytestmark = pytest.mark.integration


def _landed(runtime: OracleRuntime, world: Path) -> PackRoot:
    root = fresh_root(runtime)
    land_world(LocalFolderSource(world), runtime.store, root)
    return root


def test_verify_passes_on_an_intact_landing_and_its_source(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _landed(oracle_runtime, small_world.root)
    report = verify_landing(oracle_runtime.store, root, source=LocalFolderSource(small_world.root))
    assert report.ok and report.files == small_world.files
    assert report.bytes_read == 2 * small_world.bytes  # every byte read once on each side


def test_verify_lists_each_missing_extra_and_differing_path(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    root = _landed(oracle_runtime, world_copy)
    store = oracle_runtime.store
    store.delete(root.child("run_receipt.json"))
    report_json = sorted(p.relative_to(world_copy).as_posix() for p in world_copy.rglob("*.json"))[0]
    original = store.get(root.child(report_json))
    store.delete(root.child(report_json))
    store.put_if_absent(root.child(report_json), original + b" ")
    store.put_if_absent(root.child("data/extra.bin"), b"extra")
    (world_copy / "logs").mkdir(exist_ok=True)
    (world_copy / "logs" / "late.log").write_text("added after landing")
    code, line = fp(
        local_substrates,
        ["oracle", "verify", "--root", root.uri, "--source", str(world_copy), "--role", "operator"],
    )
    assert code == 2 and line["code"] == "ORACLE_VERIFY_FAILED"
    found = {(p["side"], p["problem"], p["path"]) for p in line["problems"]}
    assert found == {
        ("destination", "missing", "run_receipt.json"),
        ("destination", "different", report_json),
        ("destination", "extra", "data/extra.bin"),
        ("source", "extra", "logs/late.log"),
    }


def test_compare_finds_two_landings_of_one_world_identical(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    left, right = _landed(oracle_runtime, small_world.root), _landed(oracle_runtime, small_world.root)
    for root in (left, right):
        seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
        sort_stream_views(
            oracle_runtime.store, oracle_runtime.creds, root, SCENARIO, outputs=["arrival_events_5B"]
        )
    code, line = fp(
        local_substrates,
        ["oracle", "compare", "--left", left.uri, "--right", right.uri, "--role", "operator"],
    )
    assert code == 0 and line["differences"] == [] and line["files"] == small_world.files


def test_compare_reports_every_difference_between_two_roots(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, sorted_pack: PackRoot, world_copy: Path
) -> None:
    left = sorted_pack  # sealed and sorted; the right side is only landed
    (world_copy / "logs").mkdir(exist_ok=True)
    (world_copy / "logs" / "only-right.log").write_text("x")
    right = _landed(oracle_runtime, world_copy)
    code, line = fp(
        local_substrates,
        ["oracle", "compare", "--left", left.uri, "--right", right.uri, "--role", "operator"],
    )
    assert code == 2 and line["code"] == "ORACLE_COMPARE_DIFFERENT"
    whats = {d["what"] for d in line["differences"]}
    assert {"file", "landing_root_digest", "pack", "seal", "stream_view"} <= whats
    assert {"what": "file", "path": "logs/only-right.log", "only_in": "right"} in line["differences"]
