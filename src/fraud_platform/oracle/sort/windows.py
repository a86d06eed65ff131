"""Time windows of a sort (`--window-days`): day-aligned slices of the first sort key.

Why windows: a sort never needs more than one window's rows in DuckDB at once. The first window
is open below and the last open above, so every row falls in exactly one window whatever key range
planned them: a mistaken range can only cost time (or, by skipping a row group, rows that the
closure proof then misses and refuses), never a silently wrong view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import format_utc, parse_utc
from fraud_platform.oracle.sort._reasons import STREAM_SORT_WINDOW_INVALID

__all__ = ["TimeWindow", "day_windows"]


@dataclass(frozen=True)
class TimeWindow:
    """Rows whose first sort key k satisfies low <= k < high (None: unbounded on that side)."""

    low: str | None
    high: str | None

    def overlaps(self, key_min: str | None, key_max: str | None) -> bool:
        if key_min is None or key_max is None:
            return True
        return (self.high is None or key_min < self.high) and (self.low is None or key_max >= self.low)

    def mask(self, column: pa.Array) -> pa.Array | None:
        """The rows of `column` inside the window, or None when the window is unbounded."""
        conditions = []
        if self.low is not None:
            conditions.append(pc.greater_equal(column, pa.scalar(self.low, column.type)))
        if self.high is not None:
            conditions.append(pc.less(column, pa.scalar(self.high, column.type)))
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else pc.and_(conditions[0], conditions[1])

    def to_json(self) -> dict[str, str | None]:
        return {"low": self.low, "high": self.high}


def day_windows(key: str, lowest: str, highest: str, window_days: int) -> list[TimeWindow]:
    """Windows of `window_days` days from midnight UTC before `lowest`, the last open above."""
    try:
        start, end = parse_utc(lowest), parse_utc(highest)
    except ValueError as error:
        raise FailClosed(
            STREAM_SORT_WINDOW_INVALID, f"{key} values are not UTC timestamps: {error}", {"sort_key": key}
        ) from error
    day = datetime(start.year, start.month, start.day, tzinfo=UTC)
    bounds: list[str] = []
    edge = day + timedelta(days=window_days)
    while edge <= end:
        bounds.append(format_utc(edge))
        edge += timedelta(days=window_days)
    edges: list[str | None] = [None, *bounds, None]
    return [TimeWindow(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
