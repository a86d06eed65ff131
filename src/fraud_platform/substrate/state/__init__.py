"""The state-store port: SQLAlchemy Core over SQLite (local) or PostgreSQL (dev_min), one code path."""

from fraud_platform.substrate.state.engine import open_state_engine, ping, safe_dsn
from fraud_platform.substrate.state.errors import map_state_errors
from fraud_platform.substrate.state.primitives import compare_and_swap, insert_if_absent, select_one
from fraud_platform.substrate.state.tables import SR_EQUIVALENCE, SR_LEASES, StateEngine, ensure_sr_tables

__all__ = [
    "SR_EQUIVALENCE",
    "SR_LEASES",
    "StateEngine",
    "compare_and_swap",
    "ensure_sr_tables",
    "insert_if_absent",
    "map_state_errors",
    "open_state_engine",
    "ping",
    "safe_dsn",
    "select_one",
]
