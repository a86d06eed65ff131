"""Writing down what happened to a run: ledger records, governance facts and structured log lines.

Every entry names both run ids. Records are the ledger's own history (one immutable object per
event, every occurrence kept); facts are the run-scoped governance evidence (idempotent by content);
log lines are for people and carry the same ids so a run can be followed across components.
"""

from __future__ import annotations

import logging
from typing import Any

from fraud_platform.config.rehearsal import run_flags
from fraud_platform.config.schema import Profile
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.facts import run_pins
from fraud_platform.obs.logging import log_event
from fraud_platform.sr.documents import RunRecord
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.sr.states import RunState

__all__ = ["RunJournal"]

_log = logging.getLogger("fraud_platform.sr")


class RunJournal:
    """Records, facts and logs for the runs of one profile (thread-safe; no state of its own)."""

    def __init__(self, profile: Profile, clock: Clock, emitter: FactEmitter, actor: str) -> None:
        self._flags = run_flags(profile)
        self._clock = clock
        self._emitter = emitter
        self._actor = actor

    def record(
        self,
        ledger: SrLedger,
        event: str,
        state: RunState | None,
        *,
        reason: str | None = None,
        detail: str = "",
        refs: dict[str, Any] | None = None,
    ) -> None:
        """Append one run_record event (its own immutable object, under the next sequence number)."""
        ledger.append_record(
            RunRecord(
                seq=1,
                event=event,
                platform_run_id=ledger.platform_run_id,
                scenario_run_id=ledger.scenario_run_id,
                state=state,
                reason=reason,
                detail=detail,
                at_utc=format_utc(self._clock.now()),
                writer="",
                refs=dict(refs or {}),
            )
        )

    def fact(self, ledger: SrLedger, family: str, details: dict[str, Any]) -> None:
        """Emit a governance fact about the scenario run (evidence object + audit-bus record)."""
        pins = run_pins(
            ledger.platform_run_id,
            str(self._flags["profile"]),
            bool(self._flags["rehearsal"]),
            scenario_run_id=ledger.scenario_run_id,
        )
        self._emitter.emit_fact(
            family, pins, {"scenario_run_id": ledger.scenario_run_id, **details}, self._actor
        )

    def log(self, event: str, ledger: SrLedger, **fields: Any) -> None:
        """One structured log line with both run ids."""
        line: dict[str, Any] = {
            key: str(value) if isinstance(value, RunState) else value for key, value in fields.items()
        }
        line["platform_run_id"] = ledger.platform_run_id
        line["scenario_run_id"] = ledger.scenario_run_id
        log_event(_log, event, **line)
