"""`fp engine …`: thin commands with the shared JSON line and exit codes 0 / 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from fraud_platform.cli.cmd_engine import app


def _invoke(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"])
    last = result.stdout.strip().splitlines()[-1]
    return result.exit_code, json.loads(last)


def test_synth_then_verify(tmp_path: Path) -> None:
    code, line = _invoke(
        "synth",
        "--out",
        str(tmp_path),
        "--seed",
        "3",
        "--scenario-id",
        "cli_s",
        "--flows",
        "60",
        "--days",
        "1",
    )
    assert code == 0 and line["ok"] is True and line["code"] == "OK"
    root = Path(line["path"])
    assert root == tmp_path.resolve() / line["engine_run_id"]
    assert (root / "run_receipt.json").is_file()
    assert line["rows"]["s3_flow_anchor_with_fraud_6B"] == 60

    code, verdict = _invoke("verify", "--root", str(root), "--output", "arrival_events_5B")
    assert code == 0 and verdict["status"] == "PASS"
    assert verdict["outputs"] == {"arrival_events_5B": "PASS"}
    assert len(verdict["gates"]) == 8

    flag = next((root / "data" / "layer1" / "1A").rglob("_passed.flag"))
    flag.write_text("sha256_hex = " + "1" * 64 + "\n")
    code, failed = _invoke("verify", "--root", str(root))
    assert code == 2 and failed["ok"] is False and failed["code"] == "GATE_CONFLICT"
    assert set(failed["outputs"].values()) == {"CONFLICT"}


def test_verify_without_a_run_receipt_is_refused(tmp_path: Path) -> None:
    code, line = _invoke("verify", "--root", str(tmp_path))
    assert code == 2 and line["code"] == "RUN_RECEIPT_MISSING"


def test_synth_refuses_bad_arguments(tmp_path: Path) -> None:
    code, line = _invoke(
        "synth", "--out", str(tmp_path), "--seed", "1", "--scenario-id", "../x", "--flows", "5"
    )
    assert code == 2 and line["code"] == "SYNTH_ARGS_INVALID"


def test_catalogue_lists_outputs_and_gates() -> None:
    code, line = _invoke("catalogue")
    assert code == 0
    assert len(line["outputs"]) == 11 and len(line["gates"]) == 10
    assert line["default_stream_outputs"][0] == "s3_event_stream_with_fraud_6B"


def test_human_output_without_json(tmp_path: Path) -> None:
    args = [
        "synth",
        "--out",
        str(tmp_path),
        "--seed",
        "4",
        "--scenario-id",
        "h",
        "--flows",
        "20",
        "--days",
        "1",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert "OK" in result.stdout and "engine_run_id" in result.stdout
    root = next(tmp_path.iterdir())
    verified = CliRunner().invoke(app, ["verify", "--root", str(root)])
    assert verified.exit_code == 0 and "gate.layer3.6B.validation" in verified.stdout
