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
from typing import Protocol

__all__ = ["BusAdmin", "BusConsumer", "BusMessage", "BusProducer", "Delivery", "KafkaSettings", "TopicSpec"]


@dataclass(frozen=True)
class KafkaSettings:
    """How to reach a Kafka API. `repr` never shows the secret."""

    bootstrap: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    session_timeout_ms: int = 45000
    client_id: str = "fraud-platform"
    role: str = "operator"


@dataclass(frozen=True)
class Delivery:
    """Where an acknowledged record landed."""

    topic: str
    partition: int
    offset: int


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
