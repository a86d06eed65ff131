"""Minting platform_run_id: the documented format, and uniqueness that does not trust the clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from fraud_platform.core.errors import TransientError
from fraud_platform.core.time import FixedClock
from fraud_platform.obs.evidence import validate_platform_run_id
from fraud_platform.operate.run_id import claim_run_id, format_run_id, run_id_second

FROZEN = datetime(2025, 1, 2, 3, 4, 5, 987654, tzinfo=UTC)


def test_format_is_platform_utc_second() -> None:
    assert format_run_id(FROZEN) == "platform_20250102T030405Z"
    east = FROZEN.astimezone(timezone(timedelta(hours=5)))
    assert format_run_id(east) == "platform_20250102T030405Z"
    assert re.fullmatch(r"platform_\d{8}T\d{6}Z", format_run_id(FROZEN))
    assert run_id_second("platform_20250102T030405Z") == FROZEN.replace(microsecond=0)
    with pytest.raises(ValueError, match="naive"):
        format_run_id(datetime(2025, 1, 2))


def test_two_mints_in_the_same_frozen_second_get_different_ids() -> None:
    clock = FixedClock(FROZEN)
    claimed: set[str] = set()

    def try_claim(candidate: str) -> bool:
        if candidate in claimed:
            return False
        claimed.add(candidate)
        return True

    first = claim_run_id(clock, try_claim)
    second = claim_run_id(clock, try_claim)
    third = claim_run_id(clock, try_claim)
    assert first == "platform_20250102T030405Z"
    assert second == "platform_20250102T030406Z"
    assert third == "platform_20250102T030407Z"
    for run_id in (first, second, third):
        validate_platform_run_id(run_id)


def test_exhausted_window_is_transient() -> None:
    with pytest.raises(TransientError) as caught:
        claim_run_id(FixedClock(FROZEN), lambda candidate: False, max_attempts=3)
    assert caught.value.code == "RUN_ID_EXHAUSTED"
