"""Published failures (index without flag) and 3A members proven by their bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.engine import (
    GateStatus,
    LocalWorldReader,
    load_catalogue,
    verify_gate,
    verify_gates_for_outputs,
)
from fraud_platform.engine.gates import gate_status_code
from fraud_platform.engine.synth import WorldInfo, synthesize_world

CATALOGUE = load_catalogue()


def _gate(segment: str) -> str:
    return next(g.gate_id for g in CATALOGUE.gates if g.segment == segment)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    return synthesize_world(
        tmp_path_factory.mktemp("outcomes"), 5, "outcomes", 60, files_per_output=1, days=1
    )


@pytest.fixture
def world(pristine: WorldInfo, tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / pristine.engine_run_id
    shutil.copytree(pristine.root, root)
    return root, pristine.manifest_fingerprint


def _bundle(root: Path, mf: str, segment: str) -> Path:
    return root / CATALOGUE.gate(_gate(segment)).bundle_root(mf)


@pytest.mark.parametrize("segment", ["1A", "1B", "2A", "2B", "3A", "3B", "5A", "5B", "6A", "6B"])
def test_a_published_bundle_without_its_flag_is_failed(world: tuple[Path, str], segment: str) -> None:
    root, mf = world
    (_bundle(root, mf, segment) / "_passed.flag").unlink()
    result = verify_gate(LocalWorldReader(root), _gate(segment), mf)
    assert result.status is GateStatus.FAILED
    assert result.code == "GATE_FAILED" and result.receipt.digest is None
    assert "without _passed.flag" in result.detail


def test_failed_is_terminal_and_outranks_missing(world: tuple[Path, str]) -> None:
    root, mf = world
    (_bundle(root, mf, "6B") / "_passed.flag").unlink()
    shutil.rmtree(_bundle(root, mf, "5B"))  # not published yet: a wait
    verdict = verify_gates_for_outputs(LocalWorldReader(root), mf, ["s3_event_stream_with_fraud_6B"])
    statuses = {r.gate_id: r.status for r in verdict.results}
    assert statuses[_gate("6B")] is GateStatus.FAILED and statuses[_gate("5B")] is GateStatus.MISSING
    assert verdict.status is GateStatus.FAILED
    with pytest.raises(FailClosed) as caught:  # a refusal, not a TransientError to wait on
        verdict.require_pass()
    assert not isinstance(caught.value, TransientError)
    assert caught.value.code == "GATE_FAILED"
    # A conflict anywhere still outranks a failure.
    (_bundle(root, mf, "1A") / "_passed.flag").write_text("sha256_hex = " + "0" * 64 + "\n")
    again = verify_gates_for_outputs(LocalWorldReader(root), mf, ["s3_event_stream_with_fraud_6B"])
    assert again.status is GateStatus.CONFLICT


def test_every_non_pass_status_has_one_code() -> None:
    assert {s: gate_status_code(s) for s in GateStatus if s is not GateStatus.PASS} == {
        GateStatus.MISSING: "GATE_MISSING",
        GateStatus.FAILED: "GATE_FAILED",
        GateStatus.CONFLICT: "GATE_CONFLICT",
    }
    with pytest.raises(ValueError, match="PASS"):
        gate_status_code(GateStatus.PASS)


def _members(root: Path, mf: str) -> dict[str, dict[str, str]]:
    index = json.loads((_bundle(root, mf, "3A") / "index.json").read_bytes())
    return {member["logical_id"]: member for member in index["members"]}


def _member_files(root: Path, path: str) -> list[Path]:
    target = root / path.rstrip("/")
    if "*" in target.name:
        return sorted(target.parent.glob(target.name))
    return sorted(target.rglob("*.parquet")) if target.is_dir() else [target]


@pytest.mark.parametrize(
    "logical_id", ["rng_event_zone_dirichlet", "s0_gate_receipt_3A", "s1_escalation_queue"]
)
def test_a_tampered_3a_member_is_refused_though_its_index_is_unchanged(
    world: tuple[Path, str], logical_id: str
) -> None:
    root, mf = world
    reader = LocalWorldReader(root)
    assert verify_gate(reader, _gate("3A"), mf).status is GateStatus.PASS
    target = _member_files(root, _members(root, mf)[logical_id]["path"])[-1]
    data = target.read_bytes()
    flip = data.index(b"PASS") + 1 if target.suffix == ".json" else len(data) // 2  # JSON stays JSON
    target.write_bytes(data[:flip] + bytes([data[flip] ^ 0x01]) + data[flip + 1 :])
    result = verify_gate(reader, _gate("3A"), mf)
    assert result.status is GateStatus.CONFLICT
    assert result.code == "GATE_MEMBER_MISMATCH"
    assert logical_id in result.detail


def test_3a_members_are_the_engines_datasets_hashed_by_its_rules(world: tuple[Path, str]) -> None:
    root, mf = world
    members = _members(root, mf)
    assert sorted(members) == list(members)  # sorted by logical_id, as S7 writes them
    assert sorted(p.name for p in _bundle(root, mf, "3A").iterdir()) == ["_passed.flag", "index.json"]
    assert all(not m["path"].startswith("data/layer1/3A/validation/") for m in members.values())
    # A JSON member is hashed re-serialised: rewriting it with other whitespace keeps the PASS.
    receipt = root / members["s0_gate_receipt_3A"]["path"]
    receipt.write_text(json.dumps(json.loads(receipt.read_text()), indent=7))
    assert verify_gate(LocalWorldReader(root), _gate("3A"), mf).status is GateStatus.PASS
    # An absent member file is a wait (the world is incomplete), not a pass.
    _member_files(root, members["s1_escalation_queue"]["path"])[0].unlink()
    _member_files(root, members["s1_escalation_queue"]["path"])[0].unlink()
    assert verify_gate(LocalWorldReader(root), _gate("3A"), mf).status is GateStatus.MISSING


def test_a_3a_member_path_that_climbs_out_is_a_conflict(world: tuple[Path, str]) -> None:
    root, mf = world
    index_path = _bundle(root, mf, "3A") / "index.json"
    index = json.loads(index_path.read_bytes())
    index["members"][0]["path"] = "../outside.json"
    index_path.write_bytes(canonical_file_bytes(index))  # sha256_hex strings unchanged: the law passes
    result = verify_gate(LocalWorldReader(root), _gate("3A"), mf)
    assert result.status is GateStatus.CONFLICT and result.code == "GATE_MEMBER_MISMATCH"
    assert "unsafe path" in result.detail
