"""Scenario Runner: the only run-readiness authority (docs/scenario-runner.md).

Given a run request it resolves the Oracle pins, writes the run ledger (plan, record, status, facts
view) under `fraud-platform/{platform_run_id}/sr/`, verifies the pinned pack through the Oracle
consumer check, and publishes READY on `fp.bus.control.v1`, idempotently.

Public API: :class:`SrRuntime` (open from a profile) or :class:`ScenarioRunner` (bring your own
clients); :class:`RunRequest` in, :class:`SrOutcome` out; :func:`reemit_ready`; :func:`read_run_ledger`.
"""

from fraud_platform.sr.authority import AuthorityStore, RegistryEntry
from fraud_platform.sr.messages import ControlKind, ControlMessage, ReadyPayload, ready_json_schema
from fraud_platform.sr.outcome import RunRequest, SrOutcome
from fraud_platform.sr.pins import OraclePins, resolve_pins
from fraud_platform.sr.reemit import reemit_ready
from fraud_platform.sr.runner import AFTER_FACTS_VIEW, AFTER_STATUS_READY, DEFAULT_LEASE_S, ScenarioRunner
from fraud_platform.sr.runtime import SR_ROLE, SrRuntime
from fraud_platform.sr.states import TERMINAL_STATES, RunState
from fraud_platform.sr.status import RunLedgerView, read_run_ledger

__all__ = [
    "AFTER_FACTS_VIEW",
    "AFTER_STATUS_READY",
    "DEFAULT_LEASE_S",
    "SR_ROLE",
    "TERMINAL_STATES",
    "AuthorityStore",
    "ControlKind",
    "ControlMessage",
    "OraclePins",
    "ReadyPayload",
    "RegistryEntry",
    "RunLedgerView",
    "RunRequest",
    "RunState",
    "ScenarioRunner",
    "SrOutcome",
    "SrRuntime",
    "read_run_ledger",
    "ready_json_schema",
    "reemit_ready",
    "resolve_pins",
]
