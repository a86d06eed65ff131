"""Run/Operate: run identity (`fp run new`), run manifest, preflight, and `make demo` (docs/operate.md).

Public API: :class:`OperateContext` (the operator's handles for a profile), :func:`new_run`,
:func:`run_preflight`, :func:`read_run_manifest`, :func:`record_telemetry`.
The demo (`operate.demo`) is deliberately not imported here.
"""

from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.manifest import RunManifest, read_run_manifest
from fraud_platform.operate.preflight import PreflightReport, run_preflight
from fraud_platform.operate.runs import MintedRun, new_run, record_telemetry

__all__ = [
    "MintedRun",
    "OperateContext",
    "PreflightReport",
    "RunManifest",
    "new_run",
    "read_run_manifest",
    "record_telemetry",
    "run_preflight",
]
