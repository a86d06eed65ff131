"""Race-safe row primitives for authority state (SR run status, IG admission, leases).

Both are single statements, so their atomicity comes from the database, not from a read-then-write:
- `insert_if_absent` is `INSERT … ON CONFLICT DO NOTHING` (SQLite ≥ 3.24 and PostgreSQL share the
  syntax); a returned key says this caller won (needs SQLite ≥ 3.35 for RETURNING). Other integrity errors (NOT NULL, foreign
  keys) still raise: only a conflict on a unique key means "already there".
- `compare_and_swap` is `UPDATE … SET new WHERE key AND current = expected`; zero rows means
  another writer moved first (re-read and decide again), more than one is refused and rolled back.

Each helper accepts an Engine (it opens and commits its own transaction) or a Connection (it joins
the caller's transaction, so several primitives can commit together).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import STATE_KEY_NOT_UNIQUE, STATE_STORE_FAILED
from fraud_platform.substrate.state.errors import map_state_errors

__all__ = ["compare_and_swap", "insert_if_absent", "select_one"]


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.begin() as connection:
            yield connection


def _where(table: Table, values: Mapping[str, Any]) -> ColumnElement[bool]:
    if not values:
        raise ValueError("a row condition needs at least one column")
    clauses = [
        table.c[name].is_(None) if value is None else table.c[name] == value for name, value in values.items()
    ]
    return and_(*clauses)


def insert_if_absent(bind: Engine | Connection, table: Table, row: Mapping[str, Any]) -> bool:
    """Insert `row` unless a row with the same unique key exists; True when this call inserted it."""
    dialect = bind.dialect.name
    if dialect == "sqlite":
        statement: Any = sqlite.insert(table).values(dict(row)).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(dict(row)).on_conflict_do_nothing()
    else:
        raise FailClosed(STATE_STORE_FAILED, f"insert_if_absent does not support dialect {dialect!r}")
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy 2.1.
    statement = statement.returning(*table.primary_key.columns)
    with map_state_errors(f"insert into {table.name}"), _connection(bind) as connection:
        return connection.execute(statement).first() is not None


def compare_and_swap(
    bind: Engine | Connection,
    table: Table,
    *,
    key: Mapping[str, Any],
    expected: Mapping[str, Any],
    values: Mapping[str, Any],
) -> bool:
    """Set `values` on the row matching `key` only while its columns still equal `expected`.

    Returns True when exactly one row was updated, False when the row is missing or has moved on
    (the caller lost the race). `None` in `key`/`expected` matches SQL NULL. Raises
    FailClosed(STATE_KEY_NOT_UNIQUE) if `key` matched more than one row; the transaction
    it ran in is rolled back by that exception, so nothing changes.
    """
    if not values:
        raise ValueError("compare_and_swap needs at least one column to set")
    condition = _where(table, {**dict(key), **dict(expected)})
    statement = table.update().where(condition).values(dict(values))
    where = f"compare-and-swap on {table.name}"
    with map_state_errors(where), _connection(bind) as connection:
        count = int(connection.execute(statement).rowcount)
        if count > 1:
            # Raising inside the transaction rolls it back: ours when given an Engine, the caller's
            # (which this exception aborts) when given a Connection.
            raise FailClosed(
                STATE_KEY_NOT_UNIQUE,
                f"{where}: key matched {count} rows; nothing changed",
                {"table": table.name},
            )
    return count == 1


def select_one(bind: Engine | Connection, table: Table, key: Mapping[str, Any]) -> dict[str, Any] | None:
    """The row matching `key` as a dict, None when absent; FailClosed(STATE_KEY_NOT_UNIQUE) if several."""
    statement = select(table).where(_where(table, key)).limit(2)
    with map_state_errors(f"select from {table.name}"), _connection(bind) as connection:
        rows = connection.execute(statement).mappings().all()
    if len(rows) > 1:
        raise FailClosed(
            STATE_KEY_NOT_UNIQUE, f"select from {table.name}: key matched several rows", {"table": table.name}
        )
    return dict(rows[0]) if rows else None
