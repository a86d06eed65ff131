"""Sort-key facts of a row sequence, batch by batch with Arrow compute: range, nulls and order.

A key is the tuple of the sort-key columns (e.g. `(ts_utc,)` or `(flow_id, event_seq)`), compared
lexicographically. `KeyTracker` records the minimum and maximum key, refuses nulls, and (for the
view) checks that the key never decreases from one row to the next, across batch boundaries too.
Ties are allowed: the tie-breakers that ordered them are not part of the view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort._reasons import STREAM_SORT_KEY_NULL

__all__ = ["KeyTracker", "batch_is_ordered", "batch_key_range"]

KeyValue = tuple[Any, ...]


def _key_columns(batch: pa.RecordBatch, keys: Sequence[str]) -> list[pa.Array]:
    return [batch.column(name) for name in keys]


def _extreme(columns: list[pa.Array], pick_min: bool) -> KeyValue:
    """The lexicographic min (or max) key of non-empty, null-free columns, without a row loop."""
    mask: pa.Array | None = None
    chosen: list[Any] = []
    for index, column in enumerate(columns):
        candidates = column if mask is None else column.filter(mask)
        value = pc.min_max(candidates)["min" if pick_min else "max"]
        chosen.append(value.as_py())
        if index + 1 < len(columns):  # only a later key needs the rows that tie on this one
            equal = pc.equal(column, value)
            mask = equal if mask is None else pc.and_(mask, equal)
    return tuple(chosen)


def batch_key_range(batch: pa.RecordBatch, keys: Sequence[str]) -> tuple[KeyValue, KeyValue] | None:
    """(min key, max key) of a batch, or None when it is empty; nulls → STREAM_SORT_KEY_NULL."""
    if batch.num_rows == 0:
        return None
    columns = _key_columns(batch, keys)
    for name, column in zip(keys, columns, strict=True):
        if column.null_count:
            raise FailClosed(
                STREAM_SORT_KEY_NULL,
                f"{column.null_count} row(s) have a null {name!r}",
                {"column": name, "null_rows": column.null_count},
            )
    if len(columns) == 1:
        bounds = pc.min_max(columns[0])
        return (bounds["min"].as_py(),), (bounds["max"].as_py(),)
    return _extreme(columns, True), _extreme(columns, False)


def _non_decreasing(before: list[pa.Array], after: list[pa.Array]) -> bool:
    """Whether after[i] >= before[i] lexicographically for every i (vectorised, last key first)."""
    ok = pc.greater_equal(after[-1], before[-1])
    for left, right in zip(reversed(before[:-1]), reversed(after[:-1]), strict=True):
        ok = pc.or_(pc.greater(right, left), pc.and_(pc.equal(right, left), ok))
    return bool(pc.all(ok).as_py())


def batch_is_ordered(batch: pa.RecordBatch, keys: Sequence[str], previous: KeyValue | None) -> bool:
    """Whether the keys of `batch` never decrease, starting from the `previous` batch's last key."""
    rows = batch.num_rows
    columns = _key_columns(batch, keys)
    if rows == 0:
        return True
    if previous is not None:
        firsts = [column.slice(0, 1) for column in columns]
        lasts = [pa.array([value], type=column.type) for value, column in zip(previous, columns, strict=True)]
        if not _non_decreasing(lasts, firsts):
            return False
    if rows == 1:
        return True
    return _non_decreasing([c.slice(0, rows - 1) for c in columns], [c.slice(1) for c in columns])


class KeyTracker:
    """Running (min, max) of the keys of a row sequence, and whether it never decreased."""

    def __init__(self, keys: Sequence[str], *, check_order: bool) -> None:
        self.keys = tuple(keys)
        self.check_order = check_order
        self.minimum: KeyValue | None = None
        self.maximum: KeyValue | None = None
        self.ordered = True
        self.first_disorder: int | None = None
        self._last: KeyValue | None = None
        self._rows = 0

    def update(self, batch: pa.RecordBatch) -> None:
        """Fold one batch in; raises FailClosed(STREAM_SORT_KEY_NULL) on a null key."""
        bounds = batch_key_range(batch, self.keys)
        if bounds is None:
            return
        low, high = bounds
        if self.minimum is None or low < self.minimum:
            self.minimum = low
        if self.maximum is None or high > self.maximum:
            self.maximum = high
        if self.check_order and self.ordered and not batch_is_ordered(batch, self.keys, self._last):
            self.ordered = False
            self.first_disorder = self._rows
        last_row = batch.num_rows - 1
        self._last = tuple(batch.column(name)[last_row].as_py() for name in self.keys)
        self._rows += batch.num_rows
