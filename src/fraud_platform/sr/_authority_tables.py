"""Schema of SR's authority tables (SQLAlchemy Core *schema objects only*).

The substrate state port (`insert_if_absent`, `compare_and_swap`, `select_one`) takes SQLAlchemy
`Table` objects, so the table shapes have to be declared somewhere; they are declared here, in this
one module, and nothing else in SR touches SQLAlchemy. No engine, connection, driver or SQL text is
used here; creating the tables goes through `map_state_errors`, so a driver error still surfaces as
the substrate's STATE_STORE_* codes. (Flagged to the lead: if schema declarations are to live in
`substrate.state`, this module moves there unchanged.)
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, Text

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.state import map_state_errors

__all__ = ["EQUIVALENCE", "LEASES", "ensure_tables"]

_METADATA = MetaData()

EQUIVALENCE = Table(
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

LEASES = Table(
    "sr_lease_v1",
    _METADATA,
    Column("scenario_run_id", String(32), primary_key=True),
    Column("holder", String(64), nullable=True),
    Column("expires_at_us", BigInteger, nullable=False),
)
"""Who drives a scenario run right now, until when (microseconds since the epoch, from the clock)."""

_ready: weakref.WeakSet[Engine] = weakref.WeakSet()
_lock = threading.Lock()


def ensure_tables(engine: Engine) -> None:
    """Create the SR tables if absent (idempotent, once per engine per process).

    Two processes creating them at once can race (`CREATE TABLE` of the loser fails); the second
    attempt then finds them, so one retry settles it.
    """
    with _lock:
        if engine in _ready:
            return
        for attempt in (1, 2):
            try:
                with map_state_errors("create SR authority tables"):
                    _METADATA.create_all(engine, checkfirst=True)
                break
            except FailClosed:
                if attempt == 2:
                    raise
        _ready.add(engine)
