"""The Data Engine interface: catalogue, gate map, gate verification and a read port for worlds.

The engine is an external black box; this package is the platform's machine-readable copy of its
interface (`catalogue.yaml`, `gates.yaml`), the verifier of its gates (no PASS, no read) and the
`WorldReader` port through which a world is read on a local folder or S3 alike. Synthetic worlds
live in `fraud_platform.engine.synth`.
"""

from fraud_platform.engine._paths import PARTITION_TOKENS, check_relative_path, check_world_key
from fraud_platform.engine.catalogue import (
    FLAG_NAME,
    ColumnSpec,
    EngineCatalogue,
    GateSpec,
    OutputSpec,
    load_catalogue,
    parse_catalogue,
)
from fraud_platform.engine.gates import (
    GateReceipt,
    GateResult,
    GateStatus,
    GateVerification,
    verify_gate,
    verify_gates_for_outputs,
)
from fraud_platform.engine.receipt import RUN_RECEIPT_NAME, RunReceipt, parse_run_receipt, read_run_receipt
from fraud_platform.engine.world import LocalWorldReader, S3WorldReader, WorldReader

__all__ = [
    "FLAG_NAME",
    "PARTITION_TOKENS",
    "RUN_RECEIPT_NAME",
    "ColumnSpec",
    "EngineCatalogue",
    "GateReceipt",
    "GateResult",
    "GateSpec",
    "GateStatus",
    "GateVerification",
    "LocalWorldReader",
    "OutputSpec",
    "RunReceipt",
    "S3WorldReader",
    "WorldReader",
    "check_relative_path",
    "check_world_key",
    "load_catalogue",
    "parse_catalogue",
    "parse_run_receipt",
    "read_run_receipt",
    "verify_gate",
    "verify_gates_for_outputs",
]
