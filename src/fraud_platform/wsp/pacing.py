"""Optional pacing by event time: replay a view at `speedup` times its own pace.

The first event sent by this process sets the origin; a batch leaves once its *last* event is due
(`(ts - ts0) / speedup` seconds after the origin on the monotonic clock), so no event is ever sent
early and a batch never waits for more than its own span. Without a speed-up WSP sends as fast as IG
takes the batches. Events without `ts_utc` are never held back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from fraud_platform.core.time import Clock, parse_utc
from fraud_platform.eb.envelope import Envelope

__all__ = ["Pacer"]


class Pacer:
    """Holds batches back until their events are due (one per output; not shared between threads)."""

    def __init__(
        self, speedup: float | None, clock: Clock, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if speedup is not None and speedup <= 0:
            raise ValueError("speedup must be positive")
        self._speedup = speedup
        self._clock = clock
        self._sleep = sleep
        self._origin: tuple[datetime, float] | None = None

    def wait_for(self, events: Sequence[Envelope]) -> float:
        """Sleep until the last timed event of `events` is due; returns the seconds slept."""
        if self._speedup is None:
            return 0.0
        stamps = [parse_utc(event.ts_utc) for event in events if event.ts_utc is not None]
        if not stamps:
            return 0.0
        if self._origin is None:
            self._origin = (min(stamps), self._clock.monotonic())
        first_ts, first_mono = self._origin
        due = first_mono + (max(stamps) - first_ts).total_seconds() / self._speedup
        delay = due - self._clock.monotonic()
        if delay > 0:
            self._sleep(delay)
            return delay
        return 0.0
