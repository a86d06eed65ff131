"""Behaviour suite of the state-store primitives on SQLite (always) and PostgreSQL (when configured).

PostgreSQL runs when `FP_TEST_POSTGRES_DSN` is set (CI: `postgresql+psycopg://postgres@127.0.0.1:5432/test`).
Each test works in a table with a unique name and drops it afterwards.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, text

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.substrate.factory import open_state_engine
from fraud_platform.substrate.state import compare_and_swap, insert_if_absent, ping, select_one

pytestmark = pytest.mark.integration

_POSTGRES_DSN = os.environ.get("FP_TEST_POSTGRES_DSN")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        dsn = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'authority.sqlite'}"
    elif _POSTGRES_DSN:
        dsn = _POSTGRES_DSN
    else:
        pytest.skip("FP_TEST_POSTGRES_DSN is not set")
    engine = open_state_engine(dsn)
    yield engine
    engine.dispose()


@pytest.fixture
def table(engine: Engine) -> Iterator[Table]:
    metadata = MetaData()
    table = Table(
        f"fp_substrate_test_{uuid.uuid4().hex[:12]}",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("status", String(32), nullable=False),
        Column("owner", String(64), nullable=True),
        Column("version", Integer, nullable=False),
    )
    metadata.create_all(engine)
    yield table
    metadata.drop_all(engine)


def test_ping_and_sqlite_pragmas(engine: Engine) -> None:
    ping(engine)
    if engine.dialect.name == "sqlite":
        assert engine.url.database is not None
        assert Path(engine.url.database).parent.is_dir()
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == 30_000


def test_insert_if_absent_inserts_once(engine: Engine, table: Table) -> None:
    row = {"run_id": "r1", "status": "PLANNED", "owner": None, "version": 1}
    assert insert_if_absent(engine, table, row) is True
    assert insert_if_absent(engine, table, {**row, "status": "OTHER"}) is False
    assert select_one(engine, table, {"run_id": "r1"}) == row
    assert select_one(engine, table, {"run_id": "absent"}) is None


def test_insert_if_absent_still_raises_for_other_integrity_errors(engine: Engine, table: Table) -> None:
    with pytest.raises(FailClosed) as caught:
        insert_if_absent(engine, table, {"run_id": "r2", "status": None, "version": 1})
    assert caught.value.code == "STATE_STORE_FAILED"
    assert select_one(engine, table, {"run_id": "r2"}) is None


def test_concurrent_inserts_have_exactly_one_winner(engine: Engine, table: Table) -> None:
    barrier = threading.Barrier(6)

    def attempt(index: int) -> bool:
        barrier.wait()
        return insert_if_absent(engine, table, {"run_id": "raced", "status": f"w{index}", "version": 1})

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count(True) == 1
    winner = select_one(engine, table, {"run_id": "raced"})
    assert winner is not None
    assert winner["status"] == f"w{results.index(True)}"


def test_compare_and_swap_moves_only_from_the_expected_state(engine: Engine, table: Table) -> None:
    insert_if_absent(engine, table, {"run_id": "r", "status": "PLANNED", "owner": None, "version": 1})
    moved = compare_and_swap(
        engine,
        table,
        key={"run_id": "r"},
        expected={"status": "PLANNED", "owner": None},
        values={"status": "READY", "owner": "sr", "version": 2},
    )
    assert moved is True
    stale = compare_and_swap(
        engine, table, key={"run_id": "r"}, expected={"status": "PLANNED"}, values={"status": "FAILED"}
    )
    assert stale is False
    missing = compare_and_swap(
        engine, table, key={"run_id": "absent"}, expected={"status": "PLANNED"}, values={"status": "READY"}
    )
    assert missing is False
    assert select_one(engine, table, {"run_id": "r"}) == {
        "run_id": "r",
        "status": "READY",
        "owner": "sr",
        "version": 2,
    }


def test_concurrent_cas_has_exactly_one_winner(engine: Engine, table: Table) -> None:
    insert_if_absent(engine, table, {"run_id": "r", "status": "PLANNED", "owner": None, "version": 1})
    barrier = threading.Barrier(6)

    def attempt(index: int) -> bool:
        barrier.wait()
        return compare_and_swap(
            engine,
            table,
            key={"run_id": "r"},
            expected={"version": 1},
            values={"version": 2, "owner": f"w{index}"},
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count(True) == 1
    row = select_one(engine, table, {"run_id": "r"})
    assert row is not None
    assert row["owner"] == f"w{results.index(True)}"


def test_primitives_join_the_callers_transaction(engine: Engine, table: Table) -> None:
    with pytest.raises(RuntimeError), engine.begin() as connection:
        assert insert_if_absent(connection, table, {"run_id": "tx", "status": "PLANNED", "version": 1})
        assert compare_and_swap(
            connection,
            table,
            key={"run_id": "tx"},
            expected={"status": "PLANNED"},
            values={"status": "READY"},
        )
        raise RuntimeError("abort the transaction")
    assert select_one(engine, table, {"run_id": "tx"}) is None


def test_cas_refuses_a_key_that_matches_several_rows(engine: Engine, table: Table) -> None:
    for run_id in ("a", "b"):
        insert_if_absent(engine, table, {"run_id": run_id, "status": "PLANNED", "version": 1})
    with pytest.raises(FailClosed) as caught:
        compare_and_swap(
            engine, table, key={"status": "PLANNED"}, expected={"version": 1}, values={"version": 9}
        )
    assert caught.value.code == "STATE_KEY_NOT_UNIQUE"
    assert select_one(engine, table, {"run_id": "a"}) == {
        "run_id": "a",
        "status": "PLANNED",
        "owner": None,
        "version": 1,
    }


def test_a_missing_table_is_terminal_not_transient(engine: Engine) -> None:
    ghost = Table(
        f"fp_substrate_absent_{uuid.uuid4().hex[:8]}", MetaData(), Column("k", String(8), primary_key=True)
    )
    with pytest.raises(FailClosed) as caught:
        insert_if_absent(engine, ghost, {"k": "x"})
    assert caught.value.code == "STATE_STORE_FAILED"
    assert not isinstance(caught.value, TransientError)


def test_an_unreachable_postgres_is_transient() -> None:
    engine = open_state_engine("postgresql+psycopg://fp:fp-secret-pw@127.0.0.1:9/nowhere?connect_timeout=2")
    try:
        with pytest.raises(TransientError) as caught:
            ping(engine)
    finally:
        engine.dispose()
    assert caught.value.code == "STATE_STORE_UNAVAILABLE"
    assert "fp-secret-pw" not in str(caught.value)
