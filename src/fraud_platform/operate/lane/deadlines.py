"""Every wait of a lane run, derived from the profile's one time budget (`budgets.sr_evidence_deadline_s`).

Why one budget and not constants: the same lane runs on a laptop (local_parity, 300 s) and on dev_min
(1800 s), where S3 and Kafka are slower and further away; a constant tuned for one is a hang or a false
failure on the other. `sr_evidence_deadline_s` is already the profile's bound on "the longest a run may
take to become READY", and WSP uses it as its own wait for READY, so the lane scales from it:

- WSP must finish the capped stream within the whole budget (its READY wait is inside it, and the
  READY is already on the control topic when WSP starts);
- IG must answer `/readyz` within a fifth of it (60 s locally: start-up plus its substrate probes);
- IG and WSP get a fiftieth (at least 5 s) to stop gracefully before SIGKILL, enough for IG to flush
  its producer and write its telemetry part;
- reading the run's records back from the bus is bounded by two fifths of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fraud_platform.config import Profile

__all__ = ["LaneDeadlines"]

_MIN_STOP_S = 5.0


@dataclass(frozen=True)
class LaneDeadlines:
    """Seconds the lane waits, at most, for each thing it waits on (module docstring)."""

    budget_s: float
    ig_ready_s: float
    wsp_finish_s: float
    stop_s: float
    bus_read_s: float

    @classmethod
    def from_profile(cls, profile: Profile) -> LaneDeadlines:
        """The lane's deadlines under `profile`'s budget."""
        budget = float(profile.budgets.sr_evidence_deadline_s)
        return cls(
            budget_s=budget,
            ig_ready_s=budget / 5,
            wsp_finish_s=budget,
            stop_s=max(_MIN_STOP_S, budget / 50),
            bus_read_s=budget * 2 / 5,
        )

    def to_json(self) -> dict[str, float]:
        """The deadlines as evidence."""
        return {
            "budget_s": self.budget_s,
            "ig_ready_s": self.ig_ready_s,
            "wsp_finish_s": self.wsp_finish_s,
            "stop_s": self.stop_s,
            "bus_read_s": self.bus_read_s,
        }
