"""Unit tests of state DSN validation and of the SQL error mapping (no database server needed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.substrate.state import map_state_errors, open_state_engine, safe_dsn


@pytest.mark.parametrize(
    "dsn",
    [
        "mysql://user@host/db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///relative/path.sqlite",
        "not a dsn at all",
    ],
)
def test_unsupported_or_unsafe_dsns_are_refused(dsn: str) -> None:
    with pytest.raises(FailClosed) as caught:
        open_state_engine(dsn)
    assert caught.value.code == "STATE_DSN_INVALID"


def test_postgres_dsns_use_psycopg_and_hide_the_password(tmp_path: Path) -> None:
    engine = open_state_engine("postgresql://fp:pg-password-1@db.example:5432/fp")
    assert engine.url.drivername == "postgresql+psycopg"
    assert "pg-password-1" not in safe_dsn(engine.url)
    engine.dispose()


def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.sqlite"
    engine = open_state_engine(f"sqlite:///{path}")
    assert path.parent.is_dir()
    engine.dispose()


def _operational(message: str) -> exc.OperationalError:
    return exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("error", "expected", "transient"),
    [
        (_operational("database is locked"), "STATE_STORE_UNAVAILABLE", True),
        (_operational("unable to open database file"), "STATE_STORE_UNAVAILABLE", True),
        (_operational("no such table: runs"), "STATE_STORE_FAILED", False),
        (exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("NOT NULL")), "STATE_STORE_FAILED", False),
        (exc.TimeoutError("pool exhausted"), "STATE_STORE_UNAVAILABLE", True),
    ],
)
def test_sql_errors_map_to_codes(error: exc.SQLAlchemyError, expected: str, transient: bool) -> None:
    with pytest.raises(PlatformError) as caught, map_state_errors("unit"):
        raise error
    assert caught.value.code == expected
    assert isinstance(caught.value, TransientError) is transient
    assert caught.value.__cause__ is error
