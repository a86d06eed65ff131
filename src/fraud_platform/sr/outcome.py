"""What an SR call reports: the run's ids, its state, and a code a script can act on.

`ok` is true only for a READY whose publication is confirmed. Every other state maps to one code:
WAITING_EVIDENCE → EVIDENCE_WAITING (retry later), FAILED / QUARANTINED → the status reason,
READY without a confirmed publication → READY_NOT_PUBLISHED (re-emit), and a run another caller is
driving right now → SR_RUN_IN_PROGRESS (its current status is still reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fraud_platform.sr._reasons import (
    EVIDENCE_WAITING,
    READY_NOT_PUBLISHED,
    SR_RUN_IN_PROGRESS,
)
from fraud_platform.sr.documents import EvidenceFailure, RunStatus
from fraud_platform.sr.states import TERMINAL_STATES, RunState

__all__ = ["RunRequest", "SrOutcome", "outcome_code"]

OK = "OK"


@dataclass(frozen=True)
class RunRequest:
    """A submit request. `pack_root` / `scenario_id` may only restate the profile's pins."""

    platform_run_id: str
    run_equivalence_key: str
    scenario_id: str | None = None
    pack_root: str | None = None
    outputs: tuple[str, ...] | None = None


def outcome_code(
    state: RunState, status: RunStatus | None, *, published: bool, driving_elsewhere: bool
) -> str:
    """The code for a state as a caller sees it (see the module docstring)."""
    if driving_elsewhere and (state not in TERMINAL_STATES or (state is RunState.READY and not published)):
        return str(SR_RUN_IN_PROGRESS)
    if state is RunState.READY:
        return OK if published else str(READY_NOT_PUBLISHED)
    if state in (RunState.FAILED, RunState.QUARANTINED):
        return status.reason if status is not None and status.reason else str(state)
    if state is RunState.WAITING_EVIDENCE:
        return str(EVIDENCE_WAITING)
    return str(SR_RUN_IN_PROGRESS)


@dataclass(frozen=True)
class SrOutcome:
    """The result of submit / evaluate / reemit for one scenario run.

    `leader`: this call held the run's lease and moved the ledger. `registered`: this call created
    the equivalence-registry row (at most one caller per key ever does).
    """

    platform_run_id: str
    scenario_run_id: str
    state: RunState
    code: str
    leader: bool = False
    registered: bool = False
    message_id: str | None = None
    published: bool = False
    reasons: tuple[EvidenceFailure, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)
    delivery: dict[str, Any] | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.code == OK

    def to_json(self) -> dict[str, Any]:
        """The payload of the `--json` line (the CLI adds `ok` and `code`)."""
        return {
            "state": str(self.state),
            "platform_run_id": self.platform_run_id,
            "scenario_run_id": self.scenario_run_id,
            "message_id": self.message_id,
            "published": self.published,
            "leader": self.leader,
            "registered": self.registered,
            "reasons": [reason.model_dump() for reason in self.reasons],
            "refs": dict(self.refs),
            "delivery": self.delivery,
            "detail": self.detail,
        }
