"""The clock: the only place (with `config`) that reads wall-clock time, injected everywhere else.

Timestamps are always UTC with microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (rule cj1).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock", "format_utc", "parse_utc"]


class Clock(Protocol):
    """Injected time source, so that time-dependent logic is tested without sleeping."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FixedClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


def format_utc(moment: datetime) -> str:
    """Render as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; naive datetimes are refused (they hide a timezone bug)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every platform time is UTC-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """Parse the cj1 timestamp form (or any RFC 3339 string with an offset) to aware UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without timezone: {text!r}")
    return moment.astimezone(UTC)
