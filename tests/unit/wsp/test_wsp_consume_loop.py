"""The control loop commits an offset only after a terminal outcome (a lost commit is deferred), and `--once`
is bounded in time."""

from __future__ import annotations

from typing import Any

import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import FixedClock
from fraud_platform.substrate._reasons import BUS_ACCESS_DENIED, BUS_COMMIT_FAILED
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.wsp.consume import consume_control
from fraud_platform.wsp.handle import Handled
from fraud_platform.wsp.state import Outcome
from fraud_platform.wsp.stream import StreamOptions


class _Consumer:
    def __init__(self, clock: FixedClock, messages: list[BusMessage]) -> None:
        self.clock, self.messages, self.committed = clock, list(messages), []

    def poll(self, timeout_s: float) -> BusMessage | None:
        if self.messages:
            return self.messages.pop(0)
        self.clock.advance(timeout_s)
        return None

    def commit(self, message: BusMessage) -> None:
        self.committed.append(message.offset)

    def close(self) -> None:
        pass


class _Handler:
    def __init__(self, outcomes: dict[int, Outcome | Exception]) -> None:
        self.outcomes = outcomes

    def handle(self, message: BusMessage, options: Any, progress: Any = None) -> Handled:
        outcome = self.outcomes[message.offset]
        if isinstance(outcome, Exception):
            raise outcome
        return Handled(outcome, "OK", "m" * 64, "platform_20260101T000000Z", None)


def _message(offset: int) -> BusMessage:
    return BusMessage("fp.bus.control.v1", 0, offset, b"k", b"{}", {})


def test_once_commits_each_terminal_outcome_and_stops_at_the_served_runs_ready(clock: FixedClock) -> None:
    consumer = _Consumer(clock, [_message(0), _message(1), _message(2), _message(3)])
    handler = _Handler(
        {0: Outcome.SKIPPED_OUT_OF_SCOPE, 1: Outcome.SKIPPED_OUT_OF_SCOPE, 2: Outcome.STREAMED}
    )
    report = consume_control(consumer, handler, StreamOptions(), clock, once=True, wait_s=10)  # type: ignore[arg-type]
    assert consumer.committed == [0, 1, 2]
    assert report.ready is not None and report.ready.outcome is Outcome.STREAMED
    assert len(consumer.messages) == 1  # the next record stays for the next consumer


def test_a_failure_while_handling_leaves_the_offset_uncommitted(clock: FixedClock) -> None:
    consumer = _Consumer(clock, [_message(0), _message(1)])
    failure = TransientError("WSP_IG_UNAVAILABLE", "IG down")
    handler = _Handler({0: Outcome.SKIPPED_OUT_OF_SCOPE, 1: failure})
    with pytest.raises(TransientError):
        consume_control(consumer, handler, StreamOptions(), clock, once=True, wait_s=10)  # type: ignore[arg-type]
    assert consumer.committed == [0]


def test_once_gives_up_after_its_deadline_without_relying_on_end_of_partition(clock: FixedClock) -> None:
    consumer = _Consumer(clock, [_message(0)])
    handler = _Handler({0: Outcome.SKIPPED_OUT_OF_SCOPE})
    with pytest.raises(TransientError) as raised:
        consume_control(consumer, handler, StreamOptions(), clock, once=True, wait_s=3)  # type: ignore[arg-type]
    assert raised.value.code == "WSP_READY_NOT_SEEN" and consumer.committed == [0]
    assert clock.monotonic() >= 3


class _ForgetfulConsumer(_Consumer):
    """A consumer whose group the broker forgot (a broker restart): every commit is refused."""

    def __init__(self, clock: FixedClock, messages: list[BusMessage], error: Exception) -> None:
        super().__init__(clock, messages)
        self.error = error

    def commit(self, message: BusMessage) -> None:
        raise self.error


def test_a_commit_the_group_lost_after_a_durable_outcome_is_deferred_not_fatal(clock: FixedClock) -> None:
    refused = FailClosed(BUS_COMMIT_FAILED, "commit: UNKNOWN_MEMBER_ID", {"kafka_error": "UNKNOWN_MEMBER_ID"})
    consumer = _ForgetfulConsumer(clock, [_message(0), _message(1)], refused)
    handler = _Handler({0: Outcome.SKIPPED_OUT_OF_SCOPE, 1: Outcome.STREAMED})
    report = consume_control(consumer, handler, StreamOptions(), clock, once=True, wait_s=10)  # type: ignore[arg-type]
    assert report.ready is not None and report.ready.outcome is Outcome.STREAMED
    assert [item.outcome for item in report.handled] == [Outcome.SKIPPED_OUT_OF_SCOPE, Outcome.STREAMED]


def test_a_commit_denied_by_the_broker_still_fails_the_loop(clock: FixedClock) -> None:
    denied = FailClosed(BUS_ACCESS_DENIED, "commit: GROUP_AUTHORIZATION_FAILED")
    consumer = _ForgetfulConsumer(clock, [_message(0)], denied)
    handler = _Handler({0: Outcome.STREAMED})
    with pytest.raises(FailClosed) as raised:
        consume_control(consumer, handler, StreamOptions(), clock, once=True, wait_s=10)  # type: ignore[arg-type]
    assert raised.value.code == BUS_ACCESS_DENIED
