"""What one apply step did, in the words the apply report uses."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["Outcome", "Step"]


class Outcome(enum.StrEnum):
    """The outcome of one step. `UNSUPPORTED_LOCALLY` is never a success: the control does not hold."""

    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ISSUED = "issued"
    REUSED = "reused"
    ROTATED = "rotated"
    REMOVED = "removed"
    NOT_MANAGED = "not_managed"
    UNSUPPORTED_LOCALLY = "UNSUPPORTED_LOCALLY"


@dataclass(frozen=True)
class Step:
    """One setting on one target (`bucket:…`, `topic:…`, `role:…`, `file:…`) and what apply did."""

    target: str
    setting: str
    outcome: Outcome
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """The report form (no secrets: details are written by bootstrap, never echo key material)."""
        return {
            "target": self.target,
            "setting": self.setting,
            "outcome": self.outcome.value,
            "detail": self.detail,
        }
