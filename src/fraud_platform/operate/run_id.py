"""Minting `platform_run_id`: `platform_YYYYMMDDTHHMMSSZ`, claimed by a write-once put.

The id is the UTC second of the claim. Uniqueness does not come from the clock (two operators can
mint in the same second) but from the claim: the caller's `try_claim` writes `run.json` with
`put_if_absent` and reports whether the id is now its own. When the second is taken, the next second
is tried, so the format never changes (no suffixes) and ids stay sortable by time; the id's second is
therefore the claim second, at most `max_attempts - 1` seconds after the mint time recorded in
`run.json` (`minted_at_utc`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fraud_platform.core.errors import TransientError
from fraud_platform.core.time import Clock
from fraud_platform.obs.evidence import RUN_ID_FORMAT, validate_platform_run_id
from fraud_platform.operate._reasons import RUN_ID_EXHAUSTED

__all__ = ["DEFAULT_CLAIM_WINDOW_S", "claim_run_id", "format_run_id", "run_id_second"]

DEFAULT_CLAIM_WINDOW_S = 60


def format_run_id(moment: datetime) -> str:
    """The id of the UTC second containing `moment` (naive datetimes are refused)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every platform time is UTC-aware")
    return moment.astimezone(UTC).strftime(RUN_ID_FORMAT)


def run_id_second(platform_run_id: str) -> datetime:
    """The UTC second a (valid) platform_run_id names."""
    validate_platform_run_id(platform_run_id)
    return datetime.strptime(platform_run_id, RUN_ID_FORMAT).replace(tzinfo=UTC)


def claim_run_id(
    clock: Clock, try_claim: Callable[[str], bool], *, max_attempts: int = DEFAULT_CLAIM_WINDOW_S
) -> str:
    """Return the first id from the clock's current second onwards that `try_claim` wins.

    `try_claim(id)` must be atomic and idempotent for its caller (write-once put of `run.json` with a
    body unique to this mint): True means the id is ours, False that someone else holds it.

    Raises:
        TransientError(RUN_ID_EXHAUSTED): `max_attempts` consecutive seconds were all taken.
    """
    start = clock.now().astimezone(UTC).replace(microsecond=0)
    for offset in range(max_attempts):
        candidate = format_run_id(start + timedelta(seconds=offset))
        if try_claim(candidate):
            return candidate
    raise TransientError(
        RUN_ID_EXHAUSTED,
        f"{max_attempts} consecutive run ids from {format_run_id(start)} were taken",
        {"first_candidate": format_run_id(start), "attempts": max_attempts},
    )
