"""Reason registry, error tree and the one redaction layer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.reasons import all_reasons, lookup, reason
from fraud_platform.core.redact import REDACTED, redact_text, redact_value, register_secret
from fraud_platform.core.time import FixedClock, format_utc, parse_utc


def test_reason_registration_is_idempotent_but_meanings_cannot_change() -> None:
    code = reason("TEST_ONLY_CODE", "used by the core tests", owner="tests")
    assert reason("TEST_ONLY_CODE", "used by the core tests", owner="tests") == code
    with pytest.raises(ValueError, match="twice"):
        reason("TEST_ONLY_CODE", "another meaning", owner="tests")


def test_reason_codes_must_be_upper_snake() -> None:
    with pytest.raises(ValueError, match="UPPER_SNAKE"):
        reason("notUpper", "bad", owner="tests")


def test_fail_closed_requires_a_registered_code() -> None:
    with pytest.raises(KeyError):
        FailClosed("NEVER_REGISTERED_ANYWHERE")


def test_error_carries_code_detail_refs_and_transience() -> None:
    transient = reason("TEST_TRANSIENT", "retry may help", owner="tests", transient=True)
    error = TransientError(transient, "try later", {"endpoint": "x"})
    assert error.transient
    assert error.to_json() == {
        "ok": False,
        "code": "TEST_TRANSIENT",
        "detail": "try later",
        "refs": {"endpoint": "x"},
        "transient": True,
    }


def test_secrets_are_redacted_from_error_details_and_refs() -> None:
    secret = "s3cr3t-value-for-core-test"
    register_secret(secret)
    error = FailClosed("INTERNAL_ERROR", f"failed with {secret}", {"dsn": f"postgres://u:{secret}@h/db"})
    assert secret not in str(error)
    assert secret not in repr(error.to_json())
    assert REDACTED in error.detail


def test_secret_named_keys_are_masked_whatever_their_value() -> None:
    assert redact_value({"api_secret": "abc", "nested": [{"password": "x"}], "name": "ok"}) == {
        "api_secret": REDACTED,
        "nested": [{"password": REDACTED}],
        "name": "ok",
    }


def test_short_secrets_are_refused_rather_than_half_redacted() -> None:
    with pytest.raises(ValueError):
        register_secret("abc")
    assert redact_text("nothing here") == "nothing here"


def test_every_registered_reason_has_a_meaning_and_owner() -> None:
    for info in all_reasons():
        assert info.meaning.strip(), info.code
        assert info.owner.strip(), info.code
        assert lookup(info.code) is info


def test_time_format_is_utc_with_microseconds() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    assert format_utc(moment) == "2026-01-02T01:04:05.000006Z"
    assert parse_utc("2026-01-02T01:04:05.000006Z") == moment
    with pytest.raises(ValueError):
        format_utc(datetime(2026, 1, 1))  # naive on purpose


def test_fixed_clock_advances_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(1.5)
    assert format_utc(clock.now()) == "2026-01-01T00:00:01.500000Z"
    assert clock.monotonic() == 1.5
