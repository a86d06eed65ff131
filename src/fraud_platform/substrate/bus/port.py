"""The bus port: produce with confirmed delivery, consume with explicit commits, administer topics.

Guarantees of every implementation:
- `BusProducer.produce_sync` returns only after the broker acknowledged the record (`acks=all`,
  idempotent producer) and raises `TransientError(BUS_UNAVAILABLE)` or `FailClosed(BUS_PRODUCE_FAILED)`
  otherwise; confluent-kafka exceptions never escape.
- `BusConsumer` never relies on high watermarks or `auto.offset.reset=latest` (tansu gets both
  wrong); offsets are committed only when the caller says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, Protocol

from fraud_platform.config.settings import KafkaSettings  # config owns the settings types; re-exported

__all__ = [
    "BusAdmin",
    "BusConsumer",
    "BusMessage",
    "BusProducer",
    "Delivery",
    "KafkaSettings",
    "OutboundRecord",
    "TopicSpec",
]


@dataclass(frozen=True)
class Delivery:
    """Where an acknowledged record landed."""

    topic: str
    partition: int
    offset: int


_NO_HEADERS: Mapping[str, bytes] = MappingProxyType({})


class OutboundRecord(NamedTuple):
    """A record to produce; `partition=None` lets the client's partitioner choose.

    A named tuple, not a frozen dataclass: IG builds one per event, and a frozen dataclass's
    `__init__` (one `object.__setattr__` per field) cost more than producing the record.
    """

    topic: str
    value: bytes
    key: bytes | None = None
    headers: Mapping[str, bytes] = _NO_HEADERS
    partition: int | None = None


@dataclass(frozen=True)
class BusMessage:
    """A consumed record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class TopicSpec:
    """A topic of the catalogue."""

    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str = "delete"


class BusProducer(Protocol):
    """Idempotent producer bound to one role."""

    def produce_sync(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: Mapping[str, bytes] | None = None,
    ) -> Delivery:
        """Produce one record and block until the broker acknowledged it."""
        ...

    def produce_batch(self, records: Sequence[OutboundRecord]) -> list[Delivery]:
        """Produce every record and block until each was acknowledged; deliveries in input order.

        All records are handed to the client before the first wait, so a batch costs about one
        round trip, not one per record. If any record failed or timed out, raises that record's
        error after every other record reached its outcome (some may have landed: callers that
        need exactly-once reconcile, as IG does).
        """
        ...

    def close(self) -> None:
        """Flush and release the client."""
        ...


class BusConsumer(Protocol):
    """A group consumer with manual commits."""

    def poll(self, timeout_s: float) -> BusMessage | None:
        """Next record, or None when nothing arrived within `timeout_s`."""
        ...

    def commit(self, message: BusMessage) -> None:
        """Commit the offset after `message` (synchronously)."""
        ...

    def close(self) -> None:
        """Leave the group and release the client."""
        ...


class BusAdmin(Protocol):
    """Topic administration."""

    def list_topics(self, timeout_s: float = 10.0) -> dict[str, int]:
        """Topic name → partition count; raises TransientError(BUS_UNAVAILABLE) when unreachable."""
        ...

    def ensure_topics(self, specs: Sequence[TopicSpec]) -> list[str]:
        """Create the missing topics (idempotent); returns the names created."""
        ...
