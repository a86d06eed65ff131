"""`fp sr status RUN`: the run's ledger as it stands (registry, status, plan, records, facts view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fraud_platform.sr.authority import AuthorityStore
from fraud_platform.sr.documents import RunRecord, RunStatus
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.sr.lookup import registered_run
from fraud_platform.sr.outcome import SrOutcome, outcome_code
from fraud_platform.sr.publish import PUBLISH_EVENTS
from fraud_platform.sr.states import RunState
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["RunLedgerView", "read_run_ledger"]


@dataclass(frozen=True)
class RunLedgerView:
    """Everything SR knows about one scenario run, read-only."""

    outcome: SrOutcome
    status: RunStatus | None
    records: tuple[RunRecord, ...]
    registry: dict[str, Any]
    lease_holder: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.outcome.to_json(),
            "status": self.status.model_dump(mode="json") if self.status is not None else None,
            "records": [
                {"seq": r.seq, "event": r.event, "state": r.state, "reason": r.reason, "at_utc": r.at_utc}
                for r in self.records
            ],
            "registry": self.registry,
            "lease_held": self.lease_holder is not None,
        }


def read_run_ledger(
    store: ObjectStore,
    bucket: str,
    authority: AuthorityStore,
    scenario_run_id: str,
    *,
    platform_run_id: str | None = None,
    now: datetime | None = None,
) -> RunLedgerView:
    """Read the ledger of a registered run (SR_RUN_UNKNOWN / PLATFORM_RUN_MISMATCH otherwise)."""
    entry = registered_run(authority, scenario_run_id, platform_run_id)
    ledger = SrLedger(store, bucket, entry.platform_run_id, scenario_run_id)
    found = ledger.read_status()
    status = found[0] if found is not None else None
    records = tuple(ledger.read_records())
    published = any(record.event in PUBLISH_EVENTS for record in records)
    holder = authority.lease_holder(scenario_run_id, now) if now is not None else None
    state = status.state if status is not None else RunState.ACCEPTED
    refs = {"status": ledger.status_location.uri, "plan": ledger.plan_location.uri}
    if status is not None and status.facts_view_ref:
        refs |= {"facts_view": status.facts_view_ref, "ready_signal": ledger.ready_signal_location.uri}
    outcome = SrOutcome(
        platform_run_id=entry.platform_run_id,
        scenario_run_id=scenario_run_id,
        state=state,
        code=outcome_code(state, status, published=published, driving_elsewhere=holder is not None),
        message_id=status.message_id if status is not None else None,
        published=published,
        reasons=tuple(status.failures) if status is not None else (),
        refs=refs,
        detail=status.detail if status is not None else "",
    )
    registry = {
        "run_equivalence_key": entry.run_equivalence_key,
        "intent_fingerprint": entry.intent_fingerprint,
        "accepted_at_utc": entry.accepted_at_utc,
        "request": entry.request,
    }
    return RunLedgerView(outcome, status, records, registry, holder)
