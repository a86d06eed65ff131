"""Obs/Gov: governance facts, structured JSON logs and run-scoped telemetry (see docs/observability.md).

Public API:

- :class:`FactEmitter` (`emit_fact(family, pins, details, actor)`), :func:`run_pins`,
  :func:`build_fact`, :func:`parse_fact`, the family registry (:func:`register_family`);
- :func:`configure_logging`, :func:`log_event`, :func:`bind_run`: one JSON line per event;
- :class:`TelemetryRecorder` and :func:`rollup_telemetry`: data movement per run;
- :class:`RunEvidence`: the evidence layout of a run; :func:`validate_platform_run_id`.
"""

from fraud_platform.obs.emitter import EmittedFact, FactEmitter
from fraud_platform.obs.evidence import RunEvidence, validate_platform_run_id
from fraud_platform.obs.facts import Fact, build_fact, compute_event_id, parse_fact, run_pins
from fraud_platform.obs.families import all_families, lookup_family, register_family
from fraud_platform.obs.logging import bind_run, configure_logging, log_event
from fraud_platform.obs.telemetry import TelemetryRecorder, rollup_telemetry

__all__ = [
    "EmittedFact",
    "Fact",
    "FactEmitter",
    "RunEvidence",
    "TelemetryRecorder",
    "all_families",
    "bind_run",
    "build_fact",
    "compute_event_id",
    "configure_logging",
    "log_event",
    "lookup_family",
    "parse_fact",
    "register_family",
    "rollup_telemetry",
    "run_pins",
    "validate_platform_run_id",
]
