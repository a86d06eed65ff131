"""The SR run state machine: a status never moves backwards and terminal states never move.

ACCEPTED → PLANNED → WAITING_EVIDENCE ⟲ → READY | FAILED | QUARANTINED
               └───────────────────────→ READY | FAILED | QUARANTINED
"""

from __future__ import annotations

import enum

from fraud_platform.core.errors import FailClosed
from fraud_platform.sr._reasons import STATE_REGRESSION

__all__ = ["TERMINAL_STATES", "RunState", "check_transition"]


class RunState(enum.StrEnum):
    """States of a scenario run, in the order they may be reached."""

    ACCEPTED = "ACCEPTED"
    PLANNED = "PLANNED"
    WAITING_EVIDENCE = "WAITING_EVIDENCE"
    READY = "READY"
    FAILED = "FAILED"
    QUARANTINED = "QUARANTINED"


TERMINAL_STATES = frozenset({RunState.READY, RunState.FAILED, RunState.QUARANTINED})

_ALLOWED: dict[RunState, frozenset[RunState]] = {
    RunState.ACCEPTED: frozenset({RunState.PLANNED}),
    RunState.PLANNED: frozenset({RunState.WAITING_EVIDENCE, *TERMINAL_STATES}),
    RunState.WAITING_EVIDENCE: frozenset({RunState.WAITING_EVIDENCE, *TERMINAL_STATES}),
    RunState.READY: frozenset(),
    RunState.FAILED: frozenset(),
    RunState.QUARANTINED: frozenset(),
}


def check_transition(current: RunState | None, target: RunState) -> None:
    """Refuse (STATE_REGRESSION) any move the machine does not allow; `None` means a new run."""
    if current is None:
        if target is not RunState.ACCEPTED:
            raise FailClosed(STATE_REGRESSION, f"a new run starts at ACCEPTED, not {target}")
        return
    if target not in _ALLOWED[current]:
        raise FailClosed(
            STATE_REGRESSION, f"{current} → {target} is not allowed", {"from": current, "to": target}
        )
