"""WSP's durable state: the consumed set of READY messages and the per-output checkpoints.

Both live in the authority state store (SQLite locally, PostgreSQL in dev_min) so that a WSP killed at
any point restarts from what is durable, never from memory:
- a READY reaches the consumed set only with a terminal outcome, *before* its offset is committed, so
  a crash in between replays the record and the set recognises it;
- a checkpoint moves by compare-and-swap on `next_row`, and only after IG acknowledged the batch, so
  the rows it covers are on the bus; a crash before the move resends that batch and IG dedupes it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.substrate.state import compare_and_swap, insert_if_absent, select_one
from fraud_platform.substrate.state.tables import StateEngine
from fraud_platform.substrate.state.wsp_tables import WSP_CHECKPOINTS, WSP_CONSUMED, ensure_wsp_tables
from fraud_platform.wsp._reasons import WSP_CHECKPOINT_CONFLICT

__all__ = ["Checkpoint", "ConsumedEntry", "Outcome", "WspState"]


class Outcome(enum.StrEnum):
    """Terminal outcomes of one control message (only these commit its offset)."""

    STREAMED = "STREAMED"
    SKIPPED_OUT_OF_SCOPE = "SKIPPED_OUT_OF_SCOPE"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class ConsumedEntry:
    """A READY already brought to a terminal outcome."""

    message_id: str
    platform_run_id: str
    scenario_run_id: str
    outcome: Outcome
    reason_code: str | None
    value_sha256: str


@dataclass(frozen=True)
class Checkpoint:
    """How far one output has been acknowledged by IG, and what IG decided for it so far."""

    next_row: int = 0
    sent: int = 0
    admitted: int = 0
    duplicate: int = 0
    quarantined: int = 0

    def advanced(self, rows: int, admitted: int, duplicate: int, quarantined: int) -> Checkpoint:
        return Checkpoint(
            next_row=self.next_row + rows,
            sent=self.sent + rows,
            admitted=self.admitted + admitted,
            duplicate=self.duplicate + duplicate,
            quarantined=self.quarantined + quarantined,
        )

    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "admitted": self.admitted,
            "duplicate": self.duplicate,
            "quarantined": self.quarantined,
        }


class WspState:
    """The consumed set and the checkpoints, over one state engine (thread-safe: no state of its own)."""

    def __init__(self, engine: StateEngine, clock: Clock) -> None:
        ensure_wsp_tables(engine)
        self._engine = engine
        self._clock = clock

    def consumed(self, message_id: str) -> ConsumedEntry | None:
        """The terminal outcome already recorded for `message_id`, if any."""
        row = select_one(self._engine, WSP_CONSUMED, {"message_id": message_id})
        if row is None:
            return None
        return ConsumedEntry(
            message_id=str(row["message_id"]),
            platform_run_id=str(row["platform_run_id"]),
            scenario_run_id=str(row["scenario_run_id"]),
            outcome=Outcome(str(row["outcome"])),
            reason_code=row["reason_code"],
            value_sha256=str(row["value_sha256"]),
        )

    def record_consumed(self, entry: ConsumedEntry, detail: str = "") -> ConsumedEntry:
        """Record a terminal outcome (first writer wins); a REJECTED row yields to a later STREAMED.

        A forged record may carry a genuine message_id and be REJECTED; the genuine READY that follows
        must still stream, so a STREAMED outcome replaces a REJECTED one by compare-and-swap. Returns
        the entry now recorded.
        """
        row = {
            "message_id": entry.message_id,
            "platform_run_id": entry.platform_run_id,
            "scenario_run_id": entry.scenario_run_id,
            "outcome": str(entry.outcome),
            "reason_code": entry.reason_code,
            "value_sha256": entry.value_sha256,
            "detail": detail[:2000],
            "consumed_at_utc": format_utc(self._clock.now()),
        }
        if insert_if_absent(self._engine, WSP_CONSUMED, row):
            return entry
        if entry.outcome is Outcome.STREAMED:
            compare_and_swap(
                self._engine,
                WSP_CONSUMED,
                key={"message_id": entry.message_id},
                expected={"outcome": str(Outcome.REJECTED)},
                values={key: value for key, value in row.items() if key != "message_id"},
            )
        found = self.consumed(entry.message_id)
        return found if found is not None else entry

    def checkpoint(self, platform_run_id: str, scenario_run_id: str, output_id: str) -> Checkpoint:
        """The output's checkpoint (all zero when it never moved)."""
        row = select_one(self._engine, WSP_CHECKPOINTS, _key(platform_run_id, scenario_run_id, output_id))
        if row is None:
            return Checkpoint()
        return Checkpoint(
            next_row=int(row["next_row"]),
            sent=int(row["sent"]),
            admitted=int(row["admitted"]),
            duplicate=int(row["duplicate"]),
            quarantined=int(row["quarantined"]),
        )

    def save_checkpoint(
        self, platform_run_id: str, scenario_run_id: str, output_id: str, old: Checkpoint, new: Checkpoint
    ) -> None:
        """Move the checkpoint from `old` to `new`; FailClosed(WSP_CHECKPOINT_CONFLICT) if it moved meanwhile."""
        key = _key(platform_run_id, scenario_run_id, output_id)
        values = {
            "next_row": new.next_row,
            "sent": new.sent,
            "admitted": new.admitted,
            "duplicate": new.duplicate,
            "quarantined": new.quarantined,
            "updated_at_utc": format_utc(self._clock.now()),
        }
        if old == Checkpoint() and insert_if_absent(self._engine, WSP_CHECKPOINTS, {**key, **values}):
            return
        if not compare_and_swap(
            self._engine, WSP_CHECKPOINTS, key=key, expected={"next_row": old.next_row}, values=values
        ):
            raise FailClosed(
                WSP_CHECKPOINT_CONFLICT,
                f"the checkpoint of {output_id} moved away from row {old.next_row} under this WSP",
                {**key, "expected_next_row": old.next_row},
            )


def _key(platform_run_id: str, scenario_run_id: str, output_id: str) -> dict[str, str]:
    return {"platform_run_id": platform_run_id, "scenario_run_id": scenario_run_id, "output_id": output_id}
