"""Behaviour suite of the bus port against the real local Kafka API (tansu).

Topics and groups are unique per test so the suite can share one broker with the rest of the
session. Consumers never rely on high watermarks: they poll until they have what they expect.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.substrate import telemetry
from fraud_platform.substrate.bus.kafka import KafkaBusAdmin, KafkaBusProducer
from fraud_platform.substrate.bus.port import (
    BusAdmin,
    BusConsumer,
    BusMessage,
    BusProducer,
    KafkaSettings,
    TopicSpec,
)
from fraud_platform.substrate.factory import open_admin, open_consumer, open_producer
from fraud_platform.substrate.local import LocalSubstrates

pytestmark = pytest.mark.integration

_DAY_MS = 24 * 3600 * 1000


@pytest.fixture(scope="module")
def settings(local_substrates: LocalSubstrates) -> KafkaSettings:
    return KafkaSettings(
        bootstrap=local_substrates.kafka_bootstrap,
        session_timeout_ms=6000,
        role=f"substrate-test-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture(scope="module")
def admin(settings: KafkaSettings) -> BusAdmin:
    return open_admin(settings)


@pytest.fixture(scope="module")
def producer(settings: KafkaSettings) -> Iterator[BusProducer]:
    producer = open_producer(settings)
    yield producer
    producer.close()


@pytest.fixture
def topic(admin: BusAdmin) -> str:
    name = f"fp.test.substrate.{uuid.uuid4().hex[:10]}"
    assert admin.ensure_topics([TopicSpec(name, partitions=2, retention_ms=_DAY_MS)]) == [name]
    return name


def _consume(consumer: BusConsumer, count: int, deadline_s: float = 30.0) -> list[BusMessage]:
    """Poll until `count` records arrived; a new group needs a few seconds to join."""
    received: list[BusMessage] = []
    deadline = time.monotonic() + deadline_s
    while len(received) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None:
            received.append(message)
    return received


def test_ensure_topics_is_idempotent_and_listed_with_partitions(admin: BusAdmin) -> None:
    names = [f"fp.test.substrate.ensure.{uuid.uuid4().hex[:8]}.{index}" for index in range(2)]
    specs = [
        TopicSpec(names[0], partitions=1, retention_ms=30 * _DAY_MS),
        TopicSpec(names[1], partitions=3, retention_ms=_DAY_MS),
    ]
    assert admin.ensure_topics(specs) == names
    assert admin.ensure_topics(specs) == []
    listed = admin.list_topics()
    assert listed[names[0]] == 1
    assert listed[names[1]] == 3


def test_ensure_topics_refuses_an_existing_topic_with_other_partitions(admin: BusAdmin, topic: str) -> None:
    with pytest.raises(FailClosed) as caught:
        admin.ensure_topics([TopicSpec(topic, partitions=5, retention_ms=_DAY_MS)])
    assert caught.value.code == "BUS_TOPIC_MISMATCH"
    assert caught.value.refs[topic] == {"expected": 5, "actual": 2}


def test_produce_sync_returns_increasing_offsets_per_partition(producer: BusProducer, topic: str) -> None:
    deliveries = [producer.produce_sync(topic, f"v{index}".encode(), key=b"same-key") for index in range(3)]
    assert {delivery.topic for delivery in deliveries} == {topic}
    assert len({delivery.partition for delivery in deliveries}) == 1
    offsets = [delivery.offset for delivery in deliveries]
    assert offsets == sorted(offsets)
    assert offsets[2] - offsets[0] == 2


def test_a_fresh_group_reads_from_earliest_and_resumes_after_its_commit(
    settings: KafkaSettings, producer: BusProducer, topic: str
) -> None:
    sent = [
        producer.produce_sync(
            topic, f"m{index}".encode(), key=b"k", headers={"message_id": f"id-{index}".encode()}
        )
        for index in range(4)
    ]
    group = f"fp-test-{uuid.uuid4().hex[:8]}"
    first = open_consumer(settings, group, [topic])
    try:
        received = _consume(first, 4)
        assert [message.value for message in received] == [b"m0", b"m1", b"m2", b"m3"]
        assert [message.offset for message in received] == [delivery.offset for delivery in sent]
        assert received[0].key == b"k"
        assert received[0].headers == {"message_id": b"id-0"}
        first.commit(received[1])
    finally:
        first.close()
    first.close()  # idempotent

    second = open_consumer(settings, group, [topic])
    try:
        resumed = _consume(second, 2)
        assert [message.value for message in resumed] == [b"m2", b"m3"]
    finally:
        second.close()


def test_kafka_messages_and_bytes_are_counted_per_role_topic_and_direction(
    settings: KafkaSettings, producer: BusProducer, topic: str
) -> None:
    producer.produce_sync(topic, b"12345", key=b"ab")
    producer.produce_sync(topic, b"678", key=None)
    consumer = open_consumer(settings, f"fp-test-{uuid.uuid4().hex[:8]}", [topic])
    try:
        assert len(_consume(consumer, 2)) == 2
    finally:
        consumer.close()
    counted = telemetry.snapshot()["kafka"][settings.role][topic]
    assert counted["produce"] == {"messages": 2, "bytes": 10}
    assert counted["consume"] == {"messages": 2, "bytes": 10}


def test_an_unreachable_broker_is_transient() -> None:
    settings = KafkaSettings(bootstrap="127.0.0.1:9", role="nowhere")
    producer = KafkaBusProducer(settings, delivery_timeout_s=1.0)
    with pytest.raises(TransientError) as produce_error:
        producer.produce_sync("fp.test.nowhere", b"x")
    assert produce_error.value.code == "BUS_UNAVAILABLE"
    with pytest.raises(TransientError) as admin_error:
        KafkaBusAdmin(settings).list_topics(timeout_s=1.0)
    assert admin_error.value.code == "BUS_UNAVAILABLE"
