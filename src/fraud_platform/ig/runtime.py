"""Wiring one IG process from a profile: the `ig` role's own S3 and Kafka identity, the state store.

Nothing here contacts a substrate: a dependency that is down when IG starts makes `/readyz` and
ingest answer 503 until it returns, instead of the server refusing to start (a gate that cannot boot
while the broker restarts would turn a blip into an outage). The IG tables are created on first use.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

from fraud_platform.config import Profile, kafka_settings, role_credentials
from fraud_platform.config.service_tokens import ig_signing_key
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.ig.auth import Authenticator, RateLimiter
from fraud_platform.ig.governance import IgGovernance
from fraud_platform.ig.metrics import IgMetrics
from fraud_platform.ig.producer import RenewingProducer
from fraud_platform.ig.publish import PartitionBook, Publisher
from fraud_platform.ig.readiness import ReadyBook
from fraud_platform.ig.run_telemetry import RunTelemetry
from fraud_platform.ig.service import IngestService
from fraud_platform.ig.settings import IgSettings, PausePoint, pause_from_profile
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus.kafka import KafkaBusAdmin, KafkaBusProducer
from fraud_platform.substrate.bus.port import BusAdmin, BusProducer
from fraud_platform.substrate.bus.reader import KafkaPartitionReader
from fraud_platform.substrate.objectstore.port import S3Location
from fraud_platform.substrate.state import ping
from fraud_platform.substrate.state.ig_tables import ensure_ig_tables

__all__ = ["IG_ROLE", "IgRuntime"]

IG_ROLE = "ig"
_PROBE_KEY = "fraud-platform/_readiness/ig/probe"
"""What /readyz HEADs: a key inside the `ig` role's own grant (`fraud-platform/*/ig/`), so the probe
answers 404 (reachable) under IG's real credentials rather than 403 (which /readyz reports as 503)."""


@dataclass
class IgRuntime:
    """Everything one IG process holds; `close()` releases the producer."""

    service: IngestService
    authenticator: Authenticator
    limiter: RateLimiter
    admin: BusAdmin
    producer: BusProducer
    holder: str

    @classmethod
    def open(cls, profile: Profile, settings: IgSettings, *, clock: Clock | None = None) -> IgRuntime:
        """Build the runtime; FailClosed for missing credentials or tokens (nothing is contacted)."""
        chosen: Clock = clock or SystemClock()
        if settings.pause is None:
            pause = pause_from_profile(profile)
            if pause is not None:
                settings = replace(settings, pause=pause)
        store = factory.open_object_store(role_credentials(profile, IG_ROLE))
        kafka = kafka_settings(profile, IG_ROLE)
        producer = RenewingProducer(
            lambda: KafkaBusProducer(kafka, delivery_timeout_s=settings.delivery_timeout_s, clock=chosen)
        )
        admin = KafkaBusAdmin(kafka, request_timeout_s=settings.delivery_timeout_s)
        engine = factory.open_state_engine(profile.state.dsn.get_secret_value())
        metrics = IgMetrics()
        holder = f"ig-{secrets.token_hex(8)}"
        telemetry = RunTelemetry(store, profile.object_store.evidence_bucket, chosen)
        publisher = Publisher(
            engine=engine,
            producer=producer,
            reader=KafkaPartitionReader(kafka, clock=chosen),
            partitions=PartitionBook(admin, timeout_s=settings.delivery_timeout_s),
            settings=settings,
            clock=chosen,
            holder=holder,
            metrics=metrics,
            pause=_pause_hook(settings.pause),
            telemetry=telemetry,
        )
        governance = IgGovernance(
            FactEmitter(store, producer, profile.object_store.evidence_bucket, clock=chosen),
            profile=profile.profile,
            rehearsal=profile.rehearsal,
            holder=holder,
        )
        service = IngestService(
            store=store,
            engine=engine,
            bucket=profile.object_store.object_store_bucket,
            ready=ReadyBook(store, profile.object_store.object_store_bucket, chosen),
            publisher=publisher,
            settings=settings,
            metrics=metrics,
            clock=chosen,
            governance=governance,
            telemetry=telemetry,
        )
        return cls(
            service=service,
            authenticator=Authenticator(ig_signing_key(profile)),
            limiter=RateLimiter(settings.rate_limit_rps, settings.rate_burst, chosen),
            admin=admin,
            producer=producer,
            holder=holder,
        )

    def ensure_tables(self) -> None:
        """Create the IG tables on first use; TransientError while the state store is down."""
        ensure_ig_tables(self.service.engine)

    def check_ready(self) -> dict[str, str]:
        """Probe the state store, the object store and the broker; raises on the first one down."""
        ping(self.service.engine)
        self.ensure_tables()
        self.service.store.head(S3Location(self.service.bucket, _PROBE_KEY))
        self.admin.list_topics(self.service.settings.delivery_timeout_s)
        return {"state_store": "ok", "object_store": "ok", "broker": "ok"}

    def close(self) -> None:
        """Write each served run's telemetry part, emit COMPONENT_STOPPED for it, release the producer."""
        try:
            if self.service.telemetry is not None:
                self.service.telemetry.record()
        finally:
            try:
                if self.service.governance is not None:
                    self.service.governance.stopped()
            finally:
                self.producer.close()


def _pause_hook(pause: PausePoint | None) -> Callable[[str], None] | None:
    """The test hook (see `ig.settings`): sleep when the publisher reaches the named point, or None."""
    if pause is None:
        return None

    def sleep(reached: str) -> None:
        if reached == pause.point:
            pause.wait()

    return sleep
