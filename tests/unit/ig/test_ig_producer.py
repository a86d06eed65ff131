"""IG's producer is renewed after an error that poisons the client, and only then."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.ig.producer import RenewingProducer
from fraud_platform.substrate._reasons import BUS_PRODUCE_FAILED, BUS_TOPIC_MISSING
from fraud_platform.substrate.bus.port import Delivery, OutboundRecord

_RECORD = OutboundRecord(topic="fp.bus.traffic.baseline.v1", value=b"v", key=b"k")


class _Client:
    def __init__(self, failure: Exception | None) -> None:
        self.failure, self.closed, self.calls = failure, False, 0

    def produce_sync(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: Mapping[str, bytes] | None = None,
    ) -> Delivery:
        return self.produce_batch([OutboundRecord(topic=topic, value=value, key=key)])[0]

    def produce_batch(self, records: Sequence[OutboundRecord]) -> list[Delivery]:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return [Delivery(topic=r.topic, partition=0, offset=n) for n, r in enumerate(records)]

    def close(self) -> None:
        self.closed = True


def _fenced() -> FailClosed:
    return FailClosed(
        BUS_PRODUCE_FAILED, "PRODUCER_FENCED", {"kafka_error": "PRODUCER_FENCED", "fatal": False}
    )


def test_a_fenced_producer_is_replaced_and_the_call_is_retryable() -> None:
    clients = [_Client(_fenced()), _Client(None)]
    made: list[_Client] = []

    def factory() -> _Client:
        made.append(clients[len(made)])
        return made[-1]

    producer = RenewingProducer(factory)
    with pytest.raises(TransientError) as raised:
        producer.produce_batch([_RECORD])
    assert raised.value.code == "IG_DEPENDENCY_UNAVAILABLE" and producer.renewals == 1
    assert clients[0].closed and len(made) == 2
    assert producer.produce_batch([_RECORD])[0].offset == 0  # the retry goes to the new client
    assert producer.produce_sync("t", b"v").topic == "t"


def test_a_fatal_error_renews_too_but_a_per_record_refusal_does_not() -> None:
    fatal = FailClosed(BUS_PRODUCE_FAILED, "fatal", {"kafka_error": "_FATAL", "fatal": True})
    producer = RenewingProducer(lambda: _Client(fatal))
    with pytest.raises(TransientError):
        producer.produce_sync("t", b"v")
    assert producer.renewals == 1

    missing = FailClosed(BUS_TOPIC_MISSING, "unknown topic", {"kafka_error": "UNKNOWN_TOPIC_OR_PART"})
    client = _Client(missing)
    steady = RenewingProducer(lambda: client)
    with pytest.raises(FailClosed) as raised:
        steady.produce_batch([_RECORD])
    assert raised.value.code == BUS_TOPIC_MISSING and steady.renewals == 0 and not client.closed
