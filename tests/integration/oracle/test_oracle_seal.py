"""Sealing landed worlds on the real SeaweedFS: gates by hash, Parquet footers, scenario pins, write-once."""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle_it import SCENARIO, fp, fresh_root

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    land_world,
    load_manifest,
    seal_pack,
)
from fraud_platform.oracle.pack import parse_pack_manifest, parse_seal
from fraud_platform.substrate.local import LocalSubstrates

pytestmark = pytest.mark.integration


def landed(runtime: OracleRuntime, world: Path) -> PackRoot:
    root = fresh_root(runtime)
    land_world(LocalFolderSource(world), runtime.store, root)
    return root


def _bundle(world: Path, segment_path: str) -> Path:
    (folder,) = (world / segment_path / "validation").iterdir()
    return folder


def test_a_sound_world_seals_ok_with_a_recomputable_pack_id_and_reseals_idempotently(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = landed(oracle_runtime, small_world.root)
    report = seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
    assert report.ok and report.written
    seal = parse_seal(oracle_runtime.store.get(root.seal))
    pack = parse_pack_manifest(oracle_runtime.store.get(root.pack_manifest(seal.pack_manifest_sha256)))
    assert pack.world_key.scenario_id == SCENARIO and pack.world_key.seed == 42
    assert pack.world_key.manifest_fingerprint == small_world.manifest_fingerprint
    assert pack.engine_release == "unknown"  # the synthetic run receipt carries none
    assert {g.gate_id for g in pack.gates} >= {"gate.layer3.6B.validation", "gate.layer2.5B.validation"}
    assert all(g.status == "PASS" for g in pack.gates)
    assert pack.parquet_files_checked > 0
    assert seal.seal_status == "SEALED_OK" and seal.oracle_pack_id == pack.oracle_pack_id
    again = seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
    assert again.ok and not again.written and again.seal == seal


def test_a_second_scenario_on_the_same_root_is_a_seal_conflict(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = landed(oracle_runtime, small_world.root)
    seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
    with pytest.raises(FailClosed) as caught:
        seal_pack(oracle_runtime.store, root, "other_v1", oracle_runtime.tails())
    assert caught.value.code == "SEAL_CONFLICT"


def test_a_scenario_the_world_does_not_hold_is_refused_and_nothing_is_written(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = landed(oracle_runtime, small_world.root)
    code, line = fp(
        local_substrates,
        ["oracle", "seal", "--root", root.uri, "--scenario-id", "nope_v1", "--role", "operator"],
    )
    assert code == 2 and line["code"] == "SCENARIO_NOT_IN_WORLD"
    assert oracle_runtime.store.head(root.seal) is None
    assert not list(oracle_runtime.store.list(root.child("_oracle/pack_manifest/")))


def test_sealing_needs_a_committed_landing(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime
) -> None:
    root = fresh_root(oracle_runtime)
    code, line = fp(
        local_substrates,
        ["oracle", "seal", "--root", root.uri, "--scenario-id", SCENARIO, "--role", "operator"],
    )
    assert code == 2 and line["code"] == "LANDING_MANIFEST_MISSING"


def _seal_fails_with(
    local_substrates: LocalSubstrates, runtime: OracleRuntime, world: Path, code: str
) -> PackRoot:
    root = landed(runtime, world)
    exit_code, line = fp(
        local_substrates,
        ["oracle", "seal", "--root", root.uri, "--scenario-id", SCENARIO, "--role", "operator"],
    )
    assert exit_code == 2 and line["code"] == code, line
    seal = parse_seal(runtime.store.get(root.seal))
    assert seal.seal_status == "SEALED_FAILED" and code in {f.code for f in seal.failures}
    check_code, check = fp(
        local_substrates,
        ["oracle", "check", "--root", root.uri, "--scenario-id", SCENARIO, "--role", "operator"],
    )
    assert check_code == 2 and check["code"] == "PACK_SEAL_FAILED"
    return root


def test_a_tampered_passed_flag_seals_failed_with_gate_conflict(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    flag = _bundle(world_copy, "data/layer3/6B") / "_passed.flag"
    text = flag.read_text()
    flag.write_text(text[:-2] + ("0" if text[-2] != "0" else "1") + text[-1])
    _seal_fails_with(local_substrates, oracle_runtime, world_copy, "GATE_CONFLICT")


def test_an_altered_bundle_file_seals_failed_with_gate_conflict(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    report = _bundle(world_copy, "data/layer1/1A") / "validation_report_1A.json"
    report.write_bytes(report.read_bytes().replace(b"}", b' ,"x": 1}', 1))
    _seal_fails_with(local_substrates, oracle_runtime, world_copy, "GATE_CONFLICT")


def test_an_index_listing_an_absent_file_seals_failed_with_gate_missing(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    (_bundle(world_copy, "data/layer1/2A") / "evidence" / "sealed_inputs_2A.json").unlink()
    _seal_fails_with(local_substrates, oracle_runtime, world_copy, "GATE_MISSING")


def test_corrupt_parquet_in_a_streamed_output_seals_failed(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    part = sorted((world_copy / "data/layer2/5B/arrival_events").rglob("*.parquet"))[0]
    data = part.read_bytes()
    part.write_bytes(data[: len(data) - 20])  # truncated: the footer is gone
    root = _seal_fails_with(local_substrates, oracle_runtime, world_copy, "PARQUET_CORRUPT")
    seal = parse_seal(oracle_runtime.store.get(root.seal))
    assert any(f.subject.endswith(part.name) for f in seal.failures if f.code == "PARQUET_CORRUPT")


def test_a_landing_damaged_after_its_commit_is_refused_without_writing_a_seal(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = landed(oracle_runtime, small_world.root)
    manifest = load_manifest(oracle_runtime.store, root)
    flag = next(
        e.path for e in manifest.entries if "/6B/validation/" in e.path and e.path.endswith("_passed.flag")
    )
    oracle_runtime.store.delete(root.child(flag))
    oracle_runtime.store.put_if_absent(root.child(flag), b"sha256_hex = " + b"0" * 64 + b"\n")
    with pytest.raises(FailClosed) as caught:
        seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
    assert caught.value.code == "ORACLE_VERIFY_FAILED"
    assert oracle_runtime.store.head(root.seal) is None
