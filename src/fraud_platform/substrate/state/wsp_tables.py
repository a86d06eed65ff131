"""Schema of the World Streamer Producer's tables (SQLAlchemy Core schema objects only).

Two tables, both small and keyed so that every write is a single race-safe primitive
(`insert_if_absent`, `compare_and_swap`):
- the consumed set: one row per READY `message_id` WSP brought to a terminal outcome, so a replayed
  control record (a crash before the offset commit, a re-emit) is recognised without re-streaming;
- the checkpoints: per `(platform_run_id, scenario_run_id, output_id)`, the next row of the view to
  send and the IG decisions counted so far, moved only after IG acknowledged a batch.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, Text

from fraud_platform.substrate.state.table_set import TableSet

__all__ = ["WSP_CHECKPOINTS", "WSP_CONSUMED", "ensure_wsp_tables"]

_METADATA = MetaData()

WSP_CONSUMED = Table(
    "wsp_consumed_v1",
    _METADATA,
    Column("message_id", String(64), primary_key=True),
    Column("platform_run_id", String(32), nullable=False),
    Column("scenario_run_id", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("reason_code", String(64), nullable=True),
    Column("value_sha256", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("consumed_at_utc", String(32), nullable=False),
)
"""READY messages brought to a terminal outcome (STREAMED or REJECTED), by message_id."""

WSP_CHECKPOINTS = Table(
    "wsp_checkpoint_v1",
    _METADATA,
    Column("platform_run_id", String(32), primary_key=True),
    Column("scenario_run_id", String(32), primary_key=True),
    Column("output_id", String(64), primary_key=True),
    Column("next_row", BigInteger, nullable=False),
    Column("sent", BigInteger, nullable=False),
    Column("admitted", BigInteger, nullable=False),
    Column("duplicate", BigInteger, nullable=False),
    Column("quarantined", BigInteger, nullable=False),
    Column("updated_at_utc", String(32), nullable=False),
)
"""Where each output's stream stands: rows before `next_row` (in view order) were acknowledged by IG."""

_TABLES = TableSet(_METADATA, "WSP")


def ensure_wsp_tables(engine: Engine) -> None:
    """Create the WSP tables if absent (idempotent, once per engine per process; `TableSet`)."""
    _TABLES.ensure(engine)
