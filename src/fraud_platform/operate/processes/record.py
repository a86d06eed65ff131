"""What happened to each supervised process, as typed events the lane puts into its evidence.

Every start, readiness, death, restart, finish and stop is one `ProcessEvent`, in the order the
supervisor saw it, so a reader of the evidence can tell "IG was restarted twice, then WSP finished
with exit 0, then IG was stopped gracefully" without any log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["ProcessEvent", "ProcessEventKind"]


class ProcessEventKind(StrEnum):
    """The kinds of event a supervisor records."""

    STARTED = "started"
    READY = "ready"
    NOT_READY = "not_ready"
    DIED = "died"
    RESTARTED = "restarted"
    EXITED = "exited"
    STOPPED = "stopped"
    FORCED = "forced"


@dataclass(frozen=True)
class ProcessEvent:
    """One event of one process: `attempt` is 0 for the first start and n for the n-th restart.

    `exit_code` is negative when a signal ended the child; `log_tail` (redacted) is filled for the
    events that explain a failure (not_ready, died).
    """

    name: str
    kind: ProcessEventKind
    pid: int
    attempt: int
    at_utc: str
    exit_code: int | None = None
    detail: str = ""
    log_tail: str = ""

    def to_json(self) -> dict[str, Any]:
        """The event as a JSON-able mapping for the evidence bundle."""
        return {
            "name": self.name,
            "kind": str(self.kind),
            "pid": self.pid,
            "attempt": self.attempt,
            "at_utc": self.at_utc,
            "exit_code": self.exit_code,
            "detail": self.detail,
            "log_tail": self.log_tail,
        }
