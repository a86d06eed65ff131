"""Reading one partition from a given offset, outside any consumer group (reconciliation reads).

Why it exists: a producer whose outcome is unknown (killed, or timed out after handing a record to the
client) must find out whether the record landed before it produces it again, and Kafka offers no
"did record X land" call. The caller knows the partition it produced to and an offset below which
the record cannot be (the last offset it had confirmed there), so it reads forward from that offset
and looks for the record's identity in its headers.

It never reads high watermarks (tansu reports them wrong): "the end" is the point after which no
record arrived for `idle_s`, which the caller chooses longer than a produce can take to appear. The
consumer is assigned its partition directly (no group join, no commits), so a read costs no
rebalance and leaves no trace in any group. It still carries a group id (librdkafka's consumer wants
one, and any offset request made under it is checked against READ on the group where ACLs exist):
`fp.{role}.reader.{uuid}`, under the prefix of the role whose key `settings` holds (`settings.role`,
set by `config.kafka_settings`), the only groups that role's ACLs let it use.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaError, TopicPartition

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.substrate import telemetry
from fraud_platform.substrate._reasons import BUS_CONFIG_INVALID, BUS_CONSUME_FAILED
from fraud_platform.substrate.bus._config import base_config
from fraud_platform.substrate.bus.errors import map_kafka_errors, translate_kafka_error
from fraud_platform.substrate.bus.group_names import consumer_group_id
from fraud_platform.substrate.bus.port import BusMessage, KafkaSettings

__all__ = ["READER_SEGMENT", "KafkaPartitionReader"]

READER_SEGMENT = "reader"
"""The segment after the role in a reader's group id: `fp.{role}.reader.{uuid}`."""
_POLL_S = 0.2


class KafkaPartitionReader:
    """Scans one partition from an offset for the first record a predicate accepts."""

    def __init__(self, settings: KafkaSettings, *, clock: Clock | None = None) -> None:
        self._settings = settings
        self._clock: Clock = clock or SystemClock()

    def find(
        self,
        topic: str,
        partition: int,
        from_offset: int,
        match: Callable[[BusMessage], bool],
        *,
        idle_s: float = 2.0,
        deadline_s: float = 60.0,
    ) -> BusMessage | None:
        """The first record at or after `from_offset` that `match` accepts, or None.

        None means: the partition was read from `from_offset` until no record arrived for `idle_s`
        and none matched. Raises TransientError(BUS_UNAVAILABLE) when the broker cannot be read, and
        FailClosed(BUS_CONSUME_FAILED) if `deadline_s` passes while records keep arriving.
        """
        config = base_config(self._settings, suffix="reader") | {
            "group.id": consumer_group_id(self._settings.role, READER_SEGMENT, uuid.uuid4().hex),
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": False,
            "auto.offset.reset": "earliest",
        }
        with map_kafka_errors(f"open reader on {topic}[{partition}]", BUS_CONFIG_INVALID):
            consumer = Consumer(config)
        try:
            with map_kafka_errors(f"assign {topic}[{partition}]@{from_offset}", BUS_CONSUME_FAILED):
                consumer.assign([TopicPartition(topic, partition, max(0, from_offset))])
            return self._scan(consumer, topic, match, idle_s, deadline_s)
        finally:
            with map_kafka_errors("close reader", BUS_CONSUME_FAILED):
                consumer.close()

    def _scan(
        self,
        consumer: Consumer,
        topic: str,
        match: Callable[[BusMessage], bool],
        idle_s: float,
        deadline_s: float,
    ) -> BusMessage | None:
        start = self._clock.monotonic()
        idle_since = start
        while self._clock.monotonic() - idle_since < idle_s:
            if self._clock.monotonic() - start > deadline_s:
                raise FailClosed(
                    BUS_CONSUME_FAILED, f"reading {topic}: records kept arriving for {deadline_s:.0f}s"
                )
            with map_kafka_errors(f"read {topic}", BUS_CONSUME_FAILED):
                raw = consumer.poll(_POLL_S)
            if raw is None:
                continue
            error = raw.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise translate_kafka_error(error, f"read {topic}", BUS_CONSUME_FAILED)
            idle_since = self._clock.monotonic()
            partition, offset = raw.partition(), raw.offset()
            if partition is None or offset is None:
                continue
            pairs: list[Any] = list(raw.headers() or [])
            headers = {
                str(name): value if isinstance(value, bytes) else str(value or "").encode("utf-8")
                for name, value in pairs
            }
            message = BusMessage(
                topic=topic,
                partition=partition,
                offset=offset,
                key=raw.key(),
                value=raw.value() or b"",
                headers=headers,
            )
            telemetry.record_kafka(self._settings.role, topic, "consume", nbytes=len(message.value))
            if match(message):
                return message
        return None
