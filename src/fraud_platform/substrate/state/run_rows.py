"""Counting and deleting one platform run's rows in the per-run working tables (for teardown).

Why here: only the substrate speaks SQL, and teardown must remove a finished run's IG dedupe rows and
WSP checkpoints without knowing table shapes. Only tables keyed by `platform_run_id` are touched;
IG's partition marks (per topic partition, shared by every run) and SR's equivalence and lease rows
(the authority that names scenario runs) stay. A table that was never created counts as empty, and
counting never creates one, so a dry run leaves the state store as it found it.
"""

from __future__ import annotations

from sqlalchemy import Engine, Table, delete, func, inspect, select

from fraud_platform.substrate.state.errors import map_state_errors
from fraud_platform.substrate.state.ig_tables import IG_ADMISSION, IG_RECEIPT_OBJECTS, LEGACY_IG_RECEIPTS
from fraud_platform.substrate.state.wsp_tables import WSP_CHECKPOINTS, WSP_CONSUMED

__all__ = ["RUN_TABLES", "count_run_rows", "delete_run_rows", "runs_with_rows"]

RUN_TABLES: tuple[Table, ...] = (IG_ADMISSION, IG_RECEIPT_OBJECTS, WSP_CHECKPOINTS, WSP_CONSUMED)
"""The per-run working tables teardown clears, in the order it clears them."""

_LEGACY_TABLES: tuple[Table, ...] = (LEGACY_IG_RECEIPTS,)
"""Tables earlier versions wrote per run: cleared (and counted) only where a store still has them."""


def _present(engine: Engine) -> list[Table]:
    with map_state_errors("inspect the state tables"):
        names = set(inspect(engine).get_table_names())
    return [table for table in (*RUN_TABLES, *_LEGACY_TABLES) if table.name in names]


def count_run_rows(engine: Engine, platform_run_id: str) -> dict[str, int]:
    """Rows of `platform_run_id` per working table (every table of RUN_TABLES named, 0 when absent)."""
    present = _present(engine)
    counts = {table.name: 0 for table in (*RUN_TABLES, *present)}
    with map_state_errors("count a run's rows"), engine.connect() as connection:
        for table in present:
            query = select(func.count()).select_from(table).where(table.c.platform_run_id == platform_run_id)
            counts[table.name] = int(connection.execute(query).scalar_one())
    return counts


def delete_run_rows(engine: Engine, platform_run_id: str) -> dict[str, int]:
    """Delete every row of `platform_run_id` from the working tables in one transaction; rows per table."""
    present = _present(engine)
    deleted = {table.name: 0 for table in (*RUN_TABLES, *present)}
    with map_state_errors("delete a run's rows"), engine.begin() as connection:
        for table in present:
            result = connection.execute(delete(table).where(table.c.platform_run_id == platform_run_id))
            deleted[table.name] = int(result.rowcount)
    return deleted


def runs_with_rows(engine: Engine) -> set[str]:
    """Every platform_run_id that still has a row in a working table."""
    found: set[str] = set()
    present = _present(engine)
    with map_state_errors("list runs with rows"), engine.connect() as connection:
        for table in present:
            query = select(table.c.platform_run_id).distinct()
            found.update(str(run) for run in connection.execute(query).scalars())
    return found
