"""The one place that turns credentials and settings into adapters behind the substrate ports.

Callers depend on the ports (`ObjectStore`, `BusProducer`, …); only this module knows that the
implementations are boto3, confluent-kafka and SQLAlchemy. The settings it takes (`S3Credentials`,
`KafkaSettings`) are config's types (`fraud_platform.config.settings`): config resolves them from a
profile, the adapters consume them, and config never imports substrate. Nothing here contacts a
substrate: failures to reach one surface on first use, as TransientError with the port's
`*_UNAVAILABLE` code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fraud_platform.config.settings import KafkaSettings, S3Credentials
from fraud_platform.substrate.bus.port import BusAdmin, BusConsumer, BusProducer
from fraud_platform.substrate.objectstore.port import ObjectStore

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from fraud_platform.substrate.objectstore.admin import S3Admin

# Each adapter is imported inside its `open_*`: a command that only lands files must not pay for
# importing confluent-kafka and SQLAlchemy (together about half a second of start-up).

__all__ = [
    "open_admin",
    "open_consumer",
    "open_object_store",
    "open_producer",
    "open_s3_admin",
    "open_state_engine",
]


def open_object_store(creds: S3Credentials) -> ObjectStore:
    """An `ObjectStore` bound to one role's credentials; one instance is safe to share across threads."""
    from fraud_platform.substrate.objectstore.s3 import S3ObjectStore

    return S3ObjectStore(creds)


def open_s3_admin(creds: S3Credentials) -> S3Admin:
    """Bucket administration (create, versioning, encryption, lifecycle, policy) for the operator role."""
    from fraud_platform.substrate.objectstore.admin import S3Admin

    return S3Admin(creds)


def open_producer(settings: KafkaSettings) -> BusProducer:
    """An idempotent, `acks=all` producer for `settings.role`; FailClosed(BUS_CONFIG_INVALID) if misconfigured."""
    from fraud_platform.substrate.bus.kafka import KafkaBusProducer

    return KafkaBusProducer(settings)


def open_consumer(settings: KafkaSettings, group_id: str, topics: Sequence[str]) -> BusConsumer:
    """A group consumer subscribed to `topics`, new groups starting at the earliest offset, manual commits."""
    from fraud_platform.substrate.bus.kafka import KafkaBusConsumer

    return KafkaBusConsumer(settings, group_id, topics)


def open_admin(settings: KafkaSettings) -> BusAdmin:
    """Topic administration (list, ensure the catalogue)."""
    from fraud_platform.substrate.bus.kafka import KafkaBusAdmin

    return KafkaBusAdmin(settings)


def open_state_engine(dsn: str) -> Engine:
    """A SQLAlchemy Engine for the authority state (SQLite file or PostgreSQL); see `substrate.state`."""
    from fraud_platform.substrate.state.engine import open_state_engine as _open

    return _open(dsn)
