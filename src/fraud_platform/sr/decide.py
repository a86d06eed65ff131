"""From the Oracle consumer check to the run's next state: READY, WAITING_EVIDENCE, FAILED or QUARANTINED.

READY is committed in order: the facts view (write-once) first, then the status (compare-and-swap).
A facts view left by a crash between the two is reused only if it agrees with the evidence evaluated
now (same bundle hash, message id, pack, outputs, world key); if it disagrees the run is QUARANTINED
(FACTS_VIEW_CONFLICT): there is never a second, different READY. Two drivers racing to write the
view (one whose lease lapsed mid-check) differ only in `emitted_at_utc`: the loser re-reads and
compares identity and adopts the committed view instead of raising. Missing evidence keeps the run in
WAITING_EVIDENCE until the deadline recorded at acceptance, then FAILED (EVIDENCE_MISSING_DEADLINE).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import format_utc, parse_utc
from fraud_platform.sr._reasons import EVIDENCE_CONFLICT, EVIDENCE_MISSING_DEADLINE, FACTS_VIEW_CONFLICT
from fraud_platform.sr.documents import EvidenceFailure, FactsView, RunPlan, RunStatus
from fraud_platform.sr.evidence import EvidenceVerdict, Verdict, evaluate_evidence
from fraud_platform.sr.facts import SR_EVIDENCE_WAITING, SR_READY_COMMITTED, SR_RUN_FAILED, SR_RUN_QUARANTINED
from fraud_platform.sr.identity import ready_message_id
from fraud_platform.sr.ledger import SrLedger, facts_view_identity
from fraud_platform.sr.states import RunState
from fraud_platform.sr.transitions import Transitions
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["AFTER_FACTS_VIEW", "AFTER_STATUS_READY", "BEFORE_EVIDENCE", "EvidenceStep", "FaultHook"]

AFTER_FACTS_VIEW = "after_facts_view"
AFTER_STATUS_READY = "after_status_ready"
BEFORE_EVIDENCE = "before_evidence"

FaultHook = Callable[[str], None]
"""Called at named points of the commit protocol; tests raise from it to simulate a crash."""


class EvidenceStep:
    """Evaluates a PLANNED or WAITING run and moves it; one instance serves every run of a profile."""

    def __init__(self, store: ObjectStore, transitions: Transitions, faults: FaultHook | None = None) -> None:
        self.store = store
        self.transitions = transitions
        self.journal = transitions.journal
        self.clock = transitions.clock
        self._faults: FaultHook = faults or (lambda _point: None)

    def run(self, ledger: SrLedger, plan: RunPlan, status: RunStatus, etag: str) -> tuple[RunStatus, str]:
        self._faults(BEFORE_EVIDENCE)
        verdict = evaluate_evidence(
            self.store,
            plan.oracle.pack_root,
            plan.oracle.scenario_id,
            plan.intended_outputs,
            plan.policy,
            plan.oracle.stream_view_root,
        )
        if verdict.verdict is Verdict.READY:
            return self._commit_ready(ledger, plan, status, etag, verdict)
        if verdict.verdict is Verdict.CONFLICT:
            return self._quarantine(ledger, status, etag, str(EVIDENCE_CONFLICT), verdict.failures)
        reasons = [failure.model_dump() for failure in verdict.failures]
        if self.clock.now() >= parse_utc(status.deadline_utc):
            moved = self.transitions.move(
                ledger,
                status,
                etag,
                RunState.FAILED,
                "FAILED",
                reason=str(EVIDENCE_MISSING_DEADLINE),
                detail=f"evidence still missing at the deadline {status.deadline_utc}",
                failures=reasons,
            )
            self.journal.fact(
                ledger, SR_RUN_FAILED, {"reason": str(EVIDENCE_MISSING_DEADLINE), "missing": _codes(verdict)}
            )
            return moved
        changes: dict[str, Any] = {
            "reason": verdict.first_code,
            "detail": "evidence missing",
            "failures": reasons,
        }
        if status.state is RunState.WAITING_EVIDENCE and _same(status, changes):
            self.journal.record(
                ledger, "WAITING_EVIDENCE", RunState.WAITING_EVIDENCE, reason=verdict.first_code
            )
            moved = (status, etag)
        else:
            moved = self.transitions.move(
                ledger, status, etag, RunState.WAITING_EVIDENCE, "WAITING_EVIDENCE", **changes
            )
        self.journal.fact(ledger, SR_EVIDENCE_WAITING, {"reasons": _codes(verdict)})
        return moved

    def _commit_ready(
        self, ledger: SrLedger, plan: RunPlan, status: RunStatus, etag: str, verdict: EvidenceVerdict
    ) -> tuple[RunStatus, str]:
        """Facts view (write-once) → status READY. A view left by a crash is reused only if it agrees."""
        view = self._facts_view(ledger, plan, verdict)
        existing = ledger.read_facts_view()
        disagrees = existing is not None and facts_view_identity(existing) != facts_view_identity(view)
        if existing is not None and not disagrees:
            view = existing
        elif existing is None:
            try:
                view = ledger.write_facts_view(view)  # a lost race with the same identity is no conflict
            except FailClosed as error:
                if error.code != FACTS_VIEW_CONFLICT:
                    raise
                disagrees = True
        if disagrees:
            failure = EvidenceFailure(
                code=str(FACTS_VIEW_CONFLICT),
                subject=ledger.facts_view_location.uri,
                detail="the committed facts view disagrees with the evidence evaluated now",
            )
            return self._quarantine(ledger, status, etag, str(FACTS_VIEW_CONFLICT), (failure,))
        self._faults(AFTER_FACTS_VIEW)
        facts_view_ref = ledger.facts_view_location.uri
        moved = self.transitions.move(
            ledger,
            status,
            etag,
            RunState.READY,
            "READY_COMMITTED",
            reason=None,
            detail="",
            failures=[],
            facts_view_ref=facts_view_ref,
            message_id=view.message_id,
            bundle_hash=view.bundle_hash,
        )
        self.journal.fact(
            ledger,
            SR_READY_COMMITTED,
            {
                "message_id": view.message_id,
                "bundle_hash": view.bundle_hash,
                "facts_view_ref": facts_view_ref,
            },
        )
        self._faults(AFTER_STATUS_READY)
        return moved

    def _facts_view(self, ledger: SrLedger, plan: RunPlan, verdict: EvidenceVerdict) -> FactsView:
        report = verdict.report
        assert verdict.bundle_hash is not None
        return FactsView(
            platform_run_id=plan.platform_run_id,
            scenario_run_id=plan.scenario_run_id,
            run_config_digest=plan.run_config_digest,
            bundle_hash=verdict.bundle_hash,
            message_id=ready_message_id(plan.platform_run_id, plan.scenario_run_id, verdict.bundle_hash),
            world_key=dict(report.world_key or {}),
            oracle_pack_ref=report.pack_ref(),
            intended_outputs=list(plan.intended_outputs),
            locators=[dict(item) for item in verdict.locators],
            gate_receipts=[dict(item) for item in report.gate_receipts],
            policy=plan.policy,
            plan_ref=ledger.plan_location.uri,
            evidence_check=verdict.check_summary(),
            emitted_at_utc=format_utc(self.clock.now()),
            flags=plan.flags,
        )

    def _quarantine(
        self,
        ledger: SrLedger,
        status: RunStatus,
        etag: str,
        reason: str,
        failures: tuple[EvidenceFailure, ...],
    ) -> tuple[RunStatus, str]:
        reasons = [failure.model_dump() for failure in failures]
        moved = self.transitions.move(
            ledger,
            status,
            etag,
            RunState.QUARANTINED,
            "QUARANTINED",
            reason=reason,
            detail=f"{failures[0].code}: {failures[0].subject}" if failures else reason,
            failures=reasons,
        )
        self.journal.fact(
            ledger, SR_RUN_QUARANTINED, {"reason": reason, "failures": [f["code"] for f in reasons]}
        )
        return moved


def _codes(verdict: EvidenceVerdict) -> list[str]:
    return sorted({failure.code for failure in verdict.failures})


def _same(status: RunStatus, changes: dict[str, Any]) -> bool:
    current = {
        "reason": status.reason,
        "detail": status.detail,
        "failures": [failure.model_dump() for failure in status.failures],
    }
    return current == changes
