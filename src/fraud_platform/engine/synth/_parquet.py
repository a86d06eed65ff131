"""Deterministic Parquet: fixed writer options, no timestamps, stable row order, stable part names.

Same table and options give the same bytes, which is what lets two synth runs hash-compare and lets
landing and stream views prove "byte for byte".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["part_name", "write_parquet", "write_parts"]

_ROW_GROUP_ROWS = 131_072


def part_name(index: int, digits: int = 5) -> str:
    """`part-00000.parquet`, … (the 6B writers' five digits; 5B's writer uses six: `part-000000.parquet`)."""
    return f"part-{index:0{digits}d}.parquet"


def write_parquet(table: pa.Table, path: Path, *, statistics: bool = True) -> int:
    """Write one Parquet file with the pinned options; returns its size in bytes.

    `statistics=False` writes no row-group min/max, as the engine does for its two baseline outputs.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table,
        path,
        row_group_size=_ROW_GROUP_ROWS,
        version="2.6",
        data_page_version="1.0",
        compression="zstd",
        compression_level=1,
        use_dictionary=True,
        write_statistics=statistics,
        write_page_index=False,
        store_schema=True,
    )
    return path.stat().st_size


def write_parts(
    table: pa.Table,
    bounds: list[int],
    folder: Path,
    finish: Callable[[pa.Table], pa.Table],
    *,
    digits: int = 5,
    statistics: bool = True,
) -> list[tuple[str, int]]:
    """Write `table` as parts cut at `bounds` (row offsets, first 0, last = rows); returns (name, rows).

    `finish` completes each slice before it is written (the world-key columns are added there).
    """
    written: list[tuple[str, int]] = []
    for index, (start, stop) in enumerate(itertools.pairwise(bounds)):
        name = part_name(index, digits)
        write_parquet(finish(table.slice(start, stop - start)), folder / name, statistics=statistics)
        written.append((name, stop - start))
    return written
