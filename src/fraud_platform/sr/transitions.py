"""Moving a run's status: create at ACCEPTED, then only forwards, by compare-and-swap, each move recorded.

The state machine (`states.check_transition`) is consulted before every write, so no code path can
move a status backwards or out of a terminal state; the compare-and-swap (`If-Match` on the status
object's ETag) makes a concurrent writer lose loudly (SR_STATUS_CONTENDED, retry re-reads) instead of
overwriting. Every move appends its run_record event and a structured log line with both run ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fraud_platform.core.errors import PlatformError, TransientError
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.sr._reasons import SR_STATUS_CONTENDED
from fraud_platform.sr.documents import RunPlan, RunStatus
from fraud_platform.sr.journal import RunJournal
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.sr.states import RunState, check_transition
from fraud_platform.substrate._reasons import OBJECT_CAS_CONFLICT

__all__ = ["Transitions"]


class Transitions:
    """Status moves for the runs of one profile (stateless apart from its clock and journal)."""

    def __init__(self, clock: Clock, journal: RunJournal) -> None:
        self.clock = clock
        self.journal = journal

    def create(self, ledger: SrLedger, plan: RunPlan) -> tuple[RunStatus, str]:
        check_transition(None, RunState.ACCEPTED)
        now = self.clock.now()
        status = RunStatus(
            platform_run_id=plan.platform_run_id,
            scenario_run_id=plan.scenario_run_id,
            state=RunState.ACCEPTED,
            version=1,
            accepted_at_utc=format_utc(now),
            deadline_utc=format_utc(now + timedelta(seconds=plan.evidence_deadline_s)),
            updated_at_utc=format_utc(now),
            flags=plan.flags,
        )
        etag = self._swap(ledger, status, None)
        self.journal.record(
            ledger, "ACCEPTED", RunState.ACCEPTED, refs={"intent_fingerprint": plan.intent_fingerprint}
        )
        self.journal.log("sr_state", ledger, state=RunState.ACCEPTED)
        return status, etag

    def move(
        self, ledger: SrLedger, status: RunStatus, etag: str, target: RunState, event: str, **changes: Any
    ) -> tuple[RunStatus, str]:
        """One forward move of the status (compare-and-swap) and its record."""
        check_transition(status.state, target)
        document = {
            **status.model_dump(mode="json"),
            **changes,
            "state": target,
            "version": status.version + 1,
            "updated_at_utc": format_utc(self.clock.now()),
        }
        moved = RunStatus.model_validate(document)
        new_etag = self._swap(ledger, moved, etag)
        self.journal.record(ledger, event, target, reason=moved.reason, detail=moved.detail)
        self.journal.log("sr_state", ledger, state=target, reason=moved.reason, version=moved.version)
        return moved, new_etag

    def _swap(self, ledger: SrLedger, status: RunStatus, etag: str | None) -> str:
        try:
            return ledger.swap_status(status, etag)
        except PlatformError as error:
            if error.code != OBJECT_CAS_CONFLICT:
                raise
            raise TransientError(
                SR_STATUS_CONTENDED,
                f"run_status of {ledger.scenario_run_id} moved under us; retry to re-read it",
                {"location": ledger.status_location.uri},
            ) from error
