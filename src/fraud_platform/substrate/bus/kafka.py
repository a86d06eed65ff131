"""The confluent-kafka adapters of the bus port: producer, consumer, admin.

Choices that the port's guarantees rest on:
- The producer is idempotent with `acks=all`; `produce_sync` and `produce_batch` wait for the
  delivery reports of their own records (not a global flush), so both are safe to call from several
  threads on one instance. A batch counts its reports down (one small object per batch, one `poll`
  loop, no per-record event or per-poll rescan). `linger.ms` stays 0: measured here, 5 ms did not
  move the batch rate beyond the noise and would delay every `produce_sync`.
  The deadline is `message.timeout.ms` plus a grace period: when it expires the outcome is
  *unknown* (the record may still land), which is why it is a TransientError and why every reader
  of the bus dedupes by message id.
- The consumer starts a new group at `earliest`, never auto-commits, and commits the offset *after*
  a message synchronously. Nothing reads high watermarks: tansu reports them wrong, and a consumer
  that needs "everything so far" reads until it finds what it is looking for instead.
- Topic creation treats TOPIC_ALREADY_EXISTS as success, so concurrent bootstraps converge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from threading import Event, Lock
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.substrate import telemetry
from fraud_platform.substrate._reasons import (
    BUS_ADMIN_FAILED,
    BUS_COMMIT_FAILED,
    BUS_CONFIG_INVALID,
    BUS_CONSUME_FAILED,
    BUS_PRODUCE_FAILED,
    BUS_TOPIC_MISMATCH,
    BUS_UNAVAILABLE,
)
from fraud_platform.substrate.bus._config import (
    base_config,
    consumer_config,
    librdkafka_logger,
    producer_config,
)
from fraud_platform.substrate.bus.errors import map_kafka_errors, translate_kafka_error
from fraud_platform.substrate.bus.port import BusMessage, Delivery, KafkaSettings, OutboundRecord, TopicSpec

__all__ = ["KafkaBusAdmin", "KafkaBusConsumer", "KafkaBusProducer"]

_GRACE_S = 5.0
_POLL_SLICE_S = 0.1
_ANY_PARTITION = -1
"""librdkafka's RD_KAFKA_PARTITION_UA: the configured partitioner chooses."""
_BATCH_POLL_SLICE_S = 0.005
"""How long a batch waiter polls at most before re-checking its own count: another thread's poll may
have served its last report, and a waiter blocked in `poll` is only woken by a report of its own."""


def _size(key: bytes | None, value: bytes | None) -> int:
    return len(key or b"") + len(value or b"")


def _position(message: Message) -> tuple[int, int]:
    partition, offset = message.partition(), message.offset()
    if partition is None or offset is None:
        raise FailClosed(BUS_CONSUME_FAILED, f"record of {message.topic()} without partition or offset")
    return partition, offset


def _headers(raw: Any) -> dict[str, bytes]:
    items = raw.items() if isinstance(raw, dict) else (raw or [])
    return {
        str(name): value.encode("utf-8") if isinstance(value, str) else (value or b"")
        for name, value in items
    }


class _DeliveryWaiter:
    """Holds the delivery report of exactly one record."""

    def __init__(self) -> None:
        self.done = Event()
        self.error: KafkaError | None = None
        self.delivery: Delivery | None = None

    def __call__(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self.error = error
        else:
            self.delivery = Delivery(str(message.topic()), *_position(message))
        self.done.set()


class _BatchReports:
    """Holds the delivery reports of one batch and counts them down; `done` is set by the last one.

    Reports are served by whichever thread polls the producer, so the count is taken under a lock.
    """

    __slots__ = ("_lock", "_pending", "done", "reports")

    def __init__(self, count: int) -> None:
        self.reports: list[tuple[KafkaError | None, Message | None]] = [(None, None)] * count
        self._pending = count
        self._lock = Lock()
        self.done = Event()
        if count == 0:
            self.done.set()

    def report(self, index: int, error: KafkaError | None, message: Message) -> None:
        self.reports[index] = (error, message)
        with self._lock:
            self._pending -= 1
            finished = self._pending == 0
        if finished:
            self.done.set()


class KafkaBusProducer:
    """`BusProducer`: idempotent, `acks=all`, one blocking call per record."""

    def __init__(
        self, settings: KafkaSettings, *, delivery_timeout_s: float = 30.0, clock: Clock | None = None
    ):
        config = producer_config(settings, delivery_timeout_s=delivery_timeout_s)
        self._role = settings.role
        self._timeout_s = delivery_timeout_s
        self._clock: Clock = clock or SystemClock()
        with map_kafka_errors("create producer", BUS_CONFIG_INVALID):
            self._producer = Producer(config)

    def produce_sync(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: Mapping[str, bytes] | None = None,
    ) -> Delivery:
        """Produce one record and block until acknowledged by all in-sync replicas.

        Raises TransientError(BUS_UNAVAILABLE) when no acknowledgement came in time (outcome
        unknown: the record may still land) and FailClosed(BUS_PRODUCE_FAILED / BUS_ACCESS_DENIED /
        BUS_TOPIC_MISSING) when the broker refused it.
        """
        waiter = _DeliveryWaiter()
        deadline = self._clock.monotonic() + self._timeout_s + _GRACE_S
        where = f"produce to {topic}"
        while True:
            try:
                with map_kafka_errors(where, BUS_PRODUCE_FAILED):
                    self._producer.produce(
                        topic, value=value, key=key, headers=dict(headers or {}), on_delivery=waiter
                    )
                break
            except BufferError:
                # The local queue is full: serve delivery reports to make room, within the deadline.
                if self._clock.monotonic() >= deadline:
                    raise TransientError(
                        BUS_UNAVAILABLE, f"{where}: producer queue full until the deadline"
                    ) from None
                self._producer.poll(_POLL_SLICE_S)
        while not waiter.done.is_set():
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                raise TransientError(
                    BUS_UNAVAILABLE,
                    f"{where}: no delivery report within {self._timeout_s + _GRACE_S:.0f}s (outcome unknown)",
                    {"topic": topic},
                )
            self._producer.poll(min(remaining, _POLL_SLICE_S))
        if waiter.error is not None:
            raise translate_kafka_error(waiter.error, where, BUS_PRODUCE_FAILED)
        if waiter.delivery is None:
            raise FailClosed(BUS_PRODUCE_FAILED, f"{where}: delivery report without a position")
        telemetry.record_kafka(self._role, topic, "produce", nbytes=_size(key, value))
        return waiter.delivery

    def produce_batch(self, records: Sequence[OutboundRecord]) -> list[Delivery]:
        """Produce every record, then wait for all delivery reports; deliveries in input order.

        Raises (after every record reached an outcome or the deadline passed) the first failed
        record's error: TransientError(BUS_UNAVAILABLE) when its outcome is unknown, else the
        translated refusal. Records of the same batch may have landed even then.
        """
        batch = _BatchReports(len(records))
        deadline = self._clock.monotonic() + self._timeout_s + _GRACE_S
        produce, poll = self._producer.produce, self._producer.poll
        topics = ", ".join(sorted({record.topic for record in records}))
        # One error-mapping block for the whole loop: a context manager per record costs more than
        # the produce call itself. BufferError (queue full) is not a KafkaException: it is handled here.
        with map_kafka_errors(f"produce a batch to {topics}", BUS_PRODUCE_FAILED):
            for index, record in enumerate(records):
                on_delivery = partial(batch.report, index)
                headers: dict[str, str | bytes | None] = dict(record.headers)
                while True:
                    try:
                        produce(
                            record.topic,
                            record.value,
                            record.key,
                            partition=_ANY_PARTITION if record.partition is None else record.partition,
                            headers=headers,
                            on_delivery=on_delivery,
                        )
                        break
                    except BufferError:
                        if self._clock.monotonic() >= deadline:
                            raise TransientError(
                                BUS_UNAVAILABLE,
                                f"produce to {record.topic}: producer queue full until the deadline",
                            ) from None
                        poll(_POLL_SLICE_S)
        while not batch.done.is_set():
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                raise TransientError(
                    BUS_UNAVAILABLE,
                    f"produce batch of {len(records)}: no delivery report within "
                    f"{self._timeout_s + _GRACE_S:.0f}s (outcome unknown)",
                )
            self._producer.poll(min(remaining, _BATCH_POLL_SLICE_S))
        deliveries: list[Delivery] = []
        moved: dict[str, list[int]] = {}
        for record, (error, message) in zip(records, batch.reports, strict=True):
            if error is not None:
                raise translate_kafka_error(error, f"produce to {record.topic}", BUS_PRODUCE_FAILED)
            if message is None:
                raise FailClosed(
                    BUS_PRODUCE_FAILED, f"produce to {record.topic}: delivery report without a position"
                )
            deliveries.append(Delivery(str(message.topic()), *_position(message)))
            counts = moved.setdefault(record.topic, [0, 0])
            counts[0] += 1
            counts[1] += _size(record.key, record.value)
        for topic, (messages, nbytes) in moved.items():
            telemetry.record_kafka(self._role, topic, "produce", messages=messages, nbytes=nbytes)
        return deliveries

    def close(self) -> None:
        """Flush what is queued (bounded by the delivery timeout) and release the client."""
        remaining = self._producer.flush(self._timeout_s)
        if remaining:
            librdkafka_logger().warning("producer closed with %d undelivered record(s)", remaining)


class KafkaBusConsumer:
    """`BusConsumer`: a group member starting at `earliest`, committing only on request."""

    def __init__(self, settings: KafkaSettings, group_id: str, topics: Sequence[str]) -> None:
        if not topics:
            raise FailClosed(BUS_CONFIG_INVALID, "a consumer needs at least one topic")
        config = consumer_config(settings, group_id=group_id)
        self._role = settings.role
        self._closed = False
        with map_kafka_errors(f"create consumer for group {group_id}", BUS_CONFIG_INVALID):
            self._consumer = Consumer(config)
            self._consumer.subscribe(list(topics))

    def poll(self, timeout_s: float) -> BusMessage | None:
        """Next record, or None when nothing arrived within `timeout_s` (a new group takes seconds)."""
        with map_kafka_errors("consumer poll", BUS_CONSUME_FAILED):
            message = self._consumer.poll(timeout_s)
        if message is None:
            return None
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return None
            raise translate_kafka_error(error, "consumer poll", BUS_CONSUME_FAILED)
        key, value = message.key(), message.value()
        topic = str(message.topic())
        partition, offset = _position(message)
        telemetry.record_kafka(self._role, topic, "consume", nbytes=_size(key, value))
        return BusMessage(
            topic=topic,
            partition=partition,
            offset=offset,
            key=key,
            value=value or b"",
            headers=_headers(message.headers()),
        )

    def commit(self, message: BusMessage) -> None:
        """Commit the offset after `message`, synchronously; FailClosed(BUS_COMMIT_FAILED) if refused."""
        where = f"commit {message.topic}[{message.partition}]@{message.offset + 1}"
        with map_kafka_errors(where, BUS_COMMIT_FAILED):
            results = self._consumer.commit(
                offsets=[TopicPartition(message.topic, message.partition, message.offset + 1)],
                asynchronous=False,
            )
        for partition in results or []:
            if partition.error is not None:
                raise translate_kafka_error(partition.error, where, BUS_COMMIT_FAILED)

    def close(self) -> None:
        """Leave the group (idempotent)."""
        if self._closed:
            return
        self._closed = True
        with map_kafka_errors("consumer close", BUS_CONSUME_FAILED):
            self._consumer.close()


class KafkaBusAdmin:
    """`BusAdmin` over the Kafka admin API."""

    def __init__(self, settings: KafkaSettings, *, request_timeout_s: float = 15.0) -> None:
        self._timeout_s = request_timeout_s
        with map_kafka_errors("create admin client", BUS_CONFIG_INVALID):
            self._admin = AdminClient(base_config(settings, suffix="admin"))

    def list_topics(self, timeout_s: float = 10.0) -> dict[str, int]:
        """Topic name → partition count, sorted by name; TransientError(BUS_UNAVAILABLE) if unreachable."""
        with map_kafka_errors("list topics", BUS_ADMIN_FAILED):
            metadata = self._admin.list_topics(timeout=timeout_s)
        return {
            name: len(topic.partitions)
            for name, topic in sorted(metadata.topics.items())
            if topic.error is None or topic.error.code() == KafkaError.NO_ERROR
        }

    def ensure_topics(self, specs: Sequence[TopicSpec]) -> list[str]:
        """Create the missing topics with their partitions, `retention.ms` and `cleanup.policy`.

        Idempotent (TOPIC_ALREADY_EXISTS counts as success); returns the names this call created.
        An existing topic whose partition count differs from its spec raises
        FailClosed(BUS_TOPIC_MISMATCH): partitioning is part of the contract and is never patched
        silently. Retention of existing topics is not compared (set once at creation).
        """
        existing = self.list_topics(self._timeout_s)
        mismatched = {
            spec.name: {"expected": spec.partitions, "actual": existing[spec.name]}
            for spec in specs
            if spec.name in existing and existing[spec.name] != spec.partitions
        }
        if mismatched:
            raise FailClosed(BUS_TOPIC_MISMATCH, f"partition counts differ: {sorted(mismatched)}", mismatched)
        missing = [spec for spec in specs if spec.name not in existing]
        if not missing:
            return []
        new_topics = [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=-1,
                config={"retention.ms": str(spec.retention_ms), "cleanup.policy": spec.cleanup_policy},
            )
            for spec in missing
        ]
        with map_kafka_errors("create topics", BUS_ADMIN_FAILED):
            futures = self._admin.create_topics(new_topics, request_timeout=self._timeout_s)
        created: list[str] = []
        for spec in missing:
            try:
                futures[spec.name].result()
            except KafkaException as exception:
                error: Any = exception.args[0] if exception.args else None
                if not isinstance(error, KafkaError):
                    raise FailClosed(
                        BUS_ADMIN_FAILED, f"create topic {spec.name}: {exception}"
                    ) from exception
                if error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                    continue
                raise translate_kafka_error(
                    error, f"create topic {spec.name}", BUS_ADMIN_FAILED
                ) from exception
            else:
                created.append(spec.name)
        return created
