"""The state-store port: SQLAlchemy Core over SQLite (local) or PostgreSQL (dev_min), one code path."""

from fraud_platform.substrate.state.engine import open_state_engine, ping, safe_dsn
from fraud_platform.substrate.state.errors import map_state_errors
from fraud_platform.substrate.state.primitives import compare_and_swap, insert_if_absent, select_one

__all__ = [
    "compare_and_swap",
    "insert_if_absent",
    "map_state_errors",
    "open_state_engine",
    "ping",
    "safe_dsn",
    "select_one",
]
