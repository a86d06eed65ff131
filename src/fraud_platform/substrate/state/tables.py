"""Schema of the authority tables (SQLAlchemy Core *schema objects only*), declared in the substrate.

The state primitives (`insert_if_absent`, `compare_and_swap`, `select_one`) take SQLAlchemy `Table`
objects, so the shapes live here, beside them: components such as SR import these names and never
import SQLAlchemy themselves. Creating the tables goes through `TableSet` (and so `map_state_errors`), so a
driver error still surfaces as STATE_STORE_* codes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, Text

from fraud_platform.substrate.state.table_set import TableSet

__all__ = ["SR_EQUIVALENCE", "SR_LEASES", "StateEngine", "ensure_sr_tables"]

StateEngine = Engine
"""The state-store handle components are given (opened by `substrate.factory.open_state_engine`)."""

_METADATA = MetaData()

SR_EQUIVALENCE = Table(
    "sr_equivalence_v1",
    _METADATA,
    Column("scenario_run_id", String(32), primary_key=True),
    Column("run_equivalence_key", Text, nullable=False),
    Column("platform_run_id", String(32), nullable=False),
    Column("intent_fingerprint", String(64), nullable=False),
    Column("request_json", Text, nullable=False),
    Column("accepted_at_utc", String(32), nullable=False),
)
"""One row per scenario run: the equivalence key that named it, its platform run and its intent."""

SR_LEASES = Table(
    "sr_lease_v2",
    _METADATA,
    Column("scenario_run_id", String(32), primary_key=True),
    Column("holder", String(64), nullable=True),
    Column("epoch", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
)
"""Who drives a scenario run, until when (µs since the epoch), and the fencing epoch of that grant.

`epoch` grows by one at every acquisition (never at a renewal), so a driver whose lease was taken
over holds a stale epoch and every fenced write it attempts is refused. (v2: v1 had no epoch.)
"""

_TABLES = TableSet(_METADATA, "SR authority")


def ensure_sr_tables(engine: Engine) -> None:
    """Create the SR tables if absent (idempotent, once per engine per process; `TableSet`)."""
    _TABLES.ensure(engine)
