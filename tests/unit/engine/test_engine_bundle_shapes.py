"""`fp engine synth` writes every bundle in the real engine's shape, each verifies, and a one-byte
tamper of a member fails each gate (issue 8 §2, the shapes checked against the upstream writers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fraud_platform.cli.cmd_engine import app
from fraud_platform.engine import (
    GateStatus,
    LocalWorldReader,
    load_catalogue,
    verify_gate,
    verify_gates_for_outputs,
)

CATALOGUE = load_catalogue()
SEGMENTS = [gate.segment for gate in CATALOGUE.gates]


class Shaped:
    def __init__(self, root: Path, mf: str) -> None:
        self.root, self.mf = root, mf

    def bundle(self, segment: str) -> Path:
        return self.root / self.gate(segment).bundle_root(self.mf)

    def gate(self, segment: str) -> Any:
        return next(g for g in CATALOGUE.gates if g.segment == segment)

    def index(self, segment: str) -> Any:
        return json.loads((self.bundle(segment) / self.gate(segment).published_marker).read_bytes())

    def status(self, segment: str) -> GateStatus:
        return verify_gate(LocalWorldReader(self.root), self.gate(segment).gate_id, self.mf).status


@pytest.fixture(scope="module")
def synth_single(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A world made by the command itself, with the upstream-HEAD single-file fraud stream."""
    out = tmp_path_factory.mktemp("shapes")
    args = ["synth", "--out", str(out), "--seed", "8", "--scenario-id", "shapes", "--flows", "40"]
    result = CliRunner().invoke(app, [*args, "--days", "1", "--fraud-stream-layout", "single", "--json"])
    assert result.exit_code == 0, result.stdout
    line: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return line


@pytest.fixture
def world(synth_single: dict[str, Any], tmp_path: Path) -> Shaped:
    root = tmp_path / synth_single["engine_run_id"]
    shutil.copytree(synth_single["path"], root)
    return Shaped(root, synth_single["manifest_fingerprint"])


def test_the_whole_world_verifies(world: Shaped) -> None:
    verdict = verify_gates_for_outputs(LocalWorldReader(world.root), world.mf, CATALOGUE.output_ids)
    assert verdict.ok and len(verdict.results) == len(SEGMENTS)


@pytest.mark.parametrize("segment", ["1A", "1B"])
def test_1a_1b_index_lists_itself(world: Shaped, segment: str) -> None:
    index = world.index(segment)
    assert isinstance(index, list)
    paths = [entry["path"] for entry in index]
    assert "index.json" in paths
    bundle = world.bundle(segment)
    on_disk = sorted(
        p.relative_to(bundle).as_posix()
        for p in bundle.rglob("*")
        if p.is_file() and p.name != "_passed.flag"
    )
    assert sorted(paths) == on_disk  # every bundle file, the index included
    assert world.status(segment) is GateStatus.PASS


def test_6b_index_never_lists_index_json(world: Shaped) -> None:
    index = world.index("6B")
    assert set(index) == {"manifest_fingerprint", "parameter_hash", "items"}
    paths = [item["path"] for item in index["items"]]
    assert "index.json" not in paths and paths == sorted(paths)
    assert world.status("6B") is GateStatus.PASS


def test_2a_nests_evidence_under_files(world: Shaped) -> None:
    index = world.index("2A")
    assert set(index) == {"files"}
    paths = [entry["path"] for entry in index["files"]]
    assert any(path.startswith("evidence/") and path.count("/") >= 2 for path in paths)
    assert all((world.bundle("2A") / path).is_file() for path in paths)
    assert world.status("2A") is GateStatus.PASS


def test_2b_paths_are_relative_to_the_run_root(world: Shaped) -> None:
    paths = [entry["path"] for entry in world.index("2B")]
    assert all(path.startswith("data/layer1/2B/") and (world.root / path).is_file() for path in paths)
    assert any("/validation/" not in path for path in paths)
    assert world.status("2B") is GateStatus.PASS


def test_6a_keeps_its_index_order(world: Shaped) -> None:
    paths = [item["path"] for item in world.index("6A")["items"]]
    assert paths != sorted(paths)
    assert world.status("6A") is GateStatus.PASS


def test_part_names_and_the_single_file_fraud_stream(world: Shaped) -> None:
    def parts(output_id: str) -> list[str]:
        return sorted(
            p.name for p in (world.root / CATALOGUE.output(output_id).dataset_root).rglob("*.parquet")
        )

    assert parts("s3_event_stream_with_fraud_6B") == ["part-00000.parquet"]
    assert parts("s2_event_stream_baseline_6B")[0] == "part-00000.parquet"
    assert parts("arrival_events_5B")[0] == "part-000000.parquet"


def _member_of(world: Shaped, segment: str) -> Path:
    """One file whose bytes the gate's law (or 3A's member check) covers."""
    gate = world.gate(segment)
    if gate.method == "member_digest_concat":
        queue = next(m for m in world.index("3A")["members"] if m["logical_id"] == "s1_escalation_queue")
        return sorted((world.root / queue["path"]).rglob("*.parquet"))[0]
    if gate.path_base == "run_root":
        return world.root / next(e["path"] for e in world.index("2B") if e["path"].endswith(".parquet"))
    return sorted(p for p in world.bundle(segment).rglob("validation_report_*.json"))[0]


@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_one_byte_tamper_of_a_member_fails_each_gate(world: Shaped, segment: str) -> None:
    target = _member_of(world, segment)
    data = target.read_bytes()
    middle = len(data) // 2
    target.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    assert world.status(segment) is GateStatus.CONFLICT
