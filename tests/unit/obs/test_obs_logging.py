"""Structured JSON log lines: their shape, the injected clock, and redaction of registered secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fraud_platform.core.redact import REDACTED, register_secret
from fraud_platform.core.time import FixedClock
from fraud_platform.obs.logging import bind_run, configure_logging, log_event, reset_logging

RUN = "platform_20250102T030405Z"
CLOCK = FixedClock(datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC))


@pytest.fixture(autouse=True)
def _isolated_logging() -> Iterator[None]:
    yield
    reset_logging()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_line_per_event_with_the_fixed_keys() -> None:
    stream = io.StringIO()
    configure_logging("operate", RUN, stream, clock=CLOCK)
    log = logging.getLogger("fraud_platform.operate.something")
    log_event(log, "run_minted", profile="local_parity", attempts=1)
    log_event(log, "slow", level=logging.WARNING, seconds=2.5)
    lines = _lines(stream)
    assert len(lines) == 2
    assert lines[0] == {
        "ts": "2025-01-02T03:04:05.123456Z",
        "level": "INFO",
        "component": "operate",
        "platform_run_id": RUN,
        "event": "run_minted",
        "profile": "local_parity",
        "attempts": 1,
    }
    assert lines[1]["level"] == "WARNING" and lines[1]["seconds"] == 2.5
    assert stream.getvalue().count("\n") == 2


def test_fields_cannot_overwrite_the_fixed_keys_but_may_name_the_run() -> None:
    stream = io.StringIO()
    configure_logging("operate", None, stream, clock=CLOCK)
    log = logging.getLogger("fraud_platform.x")
    log_event(log, "before_mint", ts="forged")
    log_event(log, "minted", platform_run_id=RUN)
    bind_run(RUN)
    log_event(log, "after_bind")
    first, second, third = _lines(stream)
    assert first["ts"] == "2025-01-02T03:04:05.123456Z" and first["platform_run_id"] is None
    assert second["platform_run_id"] == RUN and third["platform_run_id"] == RUN


def test_registered_secrets_and_secret_named_fields_are_redacted() -> None:
    secret = "s3cr3t-value-for-logging-test"
    register_secret(secret)
    stream = io.StringIO()
    configure_logging("operate", RUN, stream, clock=CLOCK)
    log = logging.getLogger("fraud_platform.x")
    log_event(log, f"event mentioning {secret}", note=f"dsn=postgresql://u:{secret}@h/db", api_secret="plain")
    try:
        raise ValueError(f"boom {secret}")
    except ValueError:
        log.exception("failed", extra={"fp_fields": {"step": 1}})
    text = stream.getvalue()
    assert secret not in text
    first, second = _lines(stream)
    assert REDACTED in str(first["event"]) and REDACTED in str(first["note"])
    assert first["api_secret"] == REDACTED
    assert "ValueError" in str(second["exception"]) and second["level"] == "ERROR"


def test_reconfigure_replaces_the_handler_and_writes_to_a_file(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("first", RUN, stream, clock=CLOCK)
    path = tmp_path / "logs" / "operate.jsonl"
    returned = configure_logging("second", RUN, path, clock=CLOCK)
    assert returned.name == "fraud_platform.second"
    log_event(logging.getLogger("fraud_platform.y"), "hello")
    reset_logging()
    assert stream.getvalue() == ""
    [line] = [json.loads(raw) for raw in path.read_text().splitlines()]
    assert line["component"] == "second" and line["event"] == "hello"
    configure_logging("second", RUN, path, clock=CLOCK)
    log_event(logging.getLogger("fraud_platform.y"), "appended")
    reset_logging()
    assert len(path.read_text().splitlines()) == 2
