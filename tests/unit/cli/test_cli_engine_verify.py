"""`fp engine verify`: a gate that does not PASS ends with the registered code of its status.

The code comes from the engine's one status→code mapping (`gates.gate_status_code`), never from a
string built on the spot, so the CLI, seal and the consumer check always name a gate failure alike.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fraud_platform.cli.app import app
from fraud_platform.core.reasons import lookup
from fraud_platform.engine import LocalWorldReader, read_run_receipt, verify_gates_for_outputs
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.gates import gate_status_code
from fraud_platform.engine.synth import synthesize_world


def _verify(root: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, ["engine", "verify", "--root", str(root), "--json"])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_a_broken_gate_exits_2_with_the_registered_code_of_its_status(tmp_path: Path) -> None:
    world = synthesize_world(tmp_path, 7, "baseline_v1", 20, files_per_output=1, days=1)
    code, healthy = _verify(world.root)
    assert (code, healthy["ok"]) == (0, True)

    flags = sorted(world.root.rglob("_passed.flag"))
    assert flags, "the synthetic world carries gate flags"
    flags[0].unlink()
    reader = LocalWorldReader(world.root)
    verdict = verify_gates_for_outputs(
        reader, read_run_receipt(reader).manifest_fingerprint, load_catalogue().output_ids
    )
    assert not verdict.ok
    expected = gate_status_code(verdict.status)
    code, broken = _verify(world.root)
    assert (code, broken["ok"], broken["code"]) == (2, False, expected)
    assert lookup(str(broken["code"])).owner == "engine"  # a registered engine code, not an ad-hoc string
