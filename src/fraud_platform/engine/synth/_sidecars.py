"""The non-Parquet files of a synthetic world: run receipt, logs (JSONL), reports (JSON), config (YAML).

They are landed like everything else, so they are deterministic too: no wall-clock time, no absolute
path, keys sorted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.engine.catalogue import EngineCatalogue
from fraud_platform.engine.receipt import RUN_RECEIPT_NAME
from fraud_platform.engine.synth._identity import GENERATOR, SynthArgs, WorldIds
from fraud_platform.engine.synth._model import START_UTC

__all__ = ["write_sidecars"]


def _write(root: Path, relative: str, data: bytes) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _yaml(value: Any) -> bytes:
    return yaml.safe_dump(value, sort_keys=True, default_flow_style=False).encode("utf-8")


def write_sidecars(
    root: Path,
    catalogue: EngineCatalogue,
    args: SynthArgs,
    ids: WorldIds,
    parts: Mapping[str, list[tuple[str, int]]],
) -> None:
    """Write run_receipt.json and the logs/, reports/ and config/ files."""
    _write(
        root,
        RUN_RECEIPT_NAME,
        canonical_file_bytes(
            {
                "run_id": ids.run_id,
                "manifest_fingerprint": ids.manifest_fingerprint,
                "parameter_hash": ids.parameter_hash,
                "seed": args.seed,
                "generator": GENERATOR,
                "segments": [gate.segment for gate in catalogue.gates],
            }
        ),
    )
    log_lines = [
        {
            "ts_utc": f"{START_UTC[:11]}00:00:{index:02d}.000000Z",
            "run_id": ids.run_id,
            "segment": gate.segment,
            "state": "COMPLETED",
            "gate_id": gate.gate_id,
        }
        for index, gate in enumerate(catalogue.gates)
    ]
    _write(root, "logs/engine_run.jsonl", b"".join(canonical_file_bytes(line) for line in log_lines))
    _write(
        root,
        "logs/layer3/6B/segment_state_runs.jsonl",
        b"".join(
            canonical_file_bytes({"segment": "6B", "state": s, "run_id": ids.run_id})
            for s in ("S1", "S2", "S3", "S4", "S5")
        ),
    )
    outputs = {
        output_id: {"parts": len(written), "rows": sum(rows for _, rows in written)}
        for output_id, written in parts.items()
    }
    _write(
        root,
        "reports/layer3/6B/run_report_6B.json",
        canonical_file_bytes(
            {
                "run_id": ids.run_id,
                "manifest_fingerprint": ids.manifest_fingerprint,
                "scenario_id": args.scenario_id,
                "outputs": outputs,
            }
        ),
    )
    _write(
        root,
        "config/synth_parameters.yaml",
        _yaml(
            {
                "generator": GENERATOR,
                "seed": args.seed,
                "scenario_id": args.scenario_id,
                "flows": args.flows,
                "files_per_output": args.files_per_output,
                "days": args.days,
                "start_utc": f"{START_UTC}.000000Z",
            }
        ),
    )
    _write(
        root,
        "config/layer3/6B/fraud_overlay_policy.yaml",
        _yaml(
            {
                "fraud_rate": 0.03,
                "bank_detection_rate": 0.7,
                "bank_false_positive_rate": 0.004,
                "campaigns": 8,
            }
        ),
    )
