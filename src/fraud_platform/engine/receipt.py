"""The engine's `run_receipt.json`: the world identity every platform id is derived from.

It holds the engine run id, manifest fingerprint, parameter hash and seed (and more we ignore); it never
holds the scenario, which is always an explicit pin.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._paths import check_world_key
from fraud_platform.engine._reasons import RUN_RECEIPT_INVALID, RUN_RECEIPT_MISSING, WORLD_OBJECT_MISSING
from fraud_platform.engine.world import WorldReader

__all__ = ["RUN_RECEIPT_NAME", "RunReceipt", "parse_run_receipt", "read_run_receipt"]

RUN_RECEIPT_NAME = "run_receipt.json"


class RunReceipt(BaseModel):
    """The four identity fields of a run receipt, validated to their exact shapes."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    manifest_fingerprint: str
    parameter_hash: str
    seed: int

    def world_values(self, scenario_id: str) -> dict[str, object]:
        """Partition-token values for this world and a scenario pin (for `OutputSpec.partition_path`)."""
        return {
            "seed": self.seed,
            "parameter_hash": self.parameter_hash,
            "manifest_fingerprint": self.manifest_fingerprint,
            "scenario_id": scenario_id,
            "run_id": self.run_id,
        }


def parse_run_receipt(data: bytes) -> RunReceipt:
    """Parse and validate receipt bytes; raises FailClosed(RUN_RECEIPT_INVALID)."""
    try:
        document: Any = parse_json_bytes(data)
    except ValueError as error:
        raise FailClosed(RUN_RECEIPT_INVALID, f"run_receipt.json does not parse: {error}") from error
    if not isinstance(document, dict):
        raise FailClosed(RUN_RECEIPT_INVALID, "run_receipt.json is not a JSON object")
    fields = {}
    for name in ("run_id", "manifest_fingerprint", "parameter_hash", "seed"):
        if name not in document:
            raise FailClosed(RUN_RECEIPT_INVALID, f"run_receipt.json lacks {name}", {"field": name})
        try:
            check_world_key(name, document[name])
        except FailClosed as error:
            raise FailClosed(
                RUN_RECEIPT_INVALID, f"run_receipt.json: {error.detail}", {"field": name}
            ) from error
        fields[name] = document[name]
    return RunReceipt(**fields)


def read_run_receipt(reader: WorldReader) -> RunReceipt:
    """Read `run_receipt.json` at the world root; RUN_RECEIPT_MISSING when absent, INVALID when malformed."""
    try:
        data = reader.read_bytes(RUN_RECEIPT_NAME)
    except FailClosed as error:
        if error.code != WORLD_OBJECT_MISSING:
            raise
        raise FailClosed(RUN_RECEIPT_MISSING, "the world has no run_receipt.json") from error
    return parse_run_receipt(data)
