"""What Run/Operate works with: a profile, the operator's object store and producer, a clock.

Built once per command (or per demo), so the store, producer and fact emitter are opened once and
closed once. The producer is opened lazily: reading run.json or listing evidence never touches Kafka.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from fraud_platform.config import Profile, kafka_settings, role_credentials, run_flags
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.facts import run_pins
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus.port import BusProducer
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["OPERATE_ACTOR", "OPERATE_ROLE", "OperateContext"]

OPERATE_ROLE = "operator"
"""Run/Operate acts as the operator: it mints runs and writes their run-level evidence."""

OPERATE_ACTOR = "operate"
"""The `actor` of every fact Run/Operate emits."""


class OperateContext:
    """The operator's handles for one profile. Use as a context manager (closes the producer)."""

    def __init__(
        self, profile: Profile, *, clock: Clock | None = None, store: ObjectStore | None = None
    ) -> None:
        self.profile = profile
        self.clock: Clock = clock or SystemClock()
        self.store: ObjectStore = store or factory.open_object_store(role_credentials(profile, OPERATE_ROLE))
        self.evidence_bucket = profile.object_store.evidence_bucket
        self._producer: BusProducer | None = None
        self._emitter: FactEmitter | None = None

    @property
    def producer(self) -> BusProducer:
        """The operator's idempotent producer (opened on first use)."""
        if self._producer is None:
            self._producer = factory.open_producer(kafka_settings(self.profile, OPERATE_ROLE))
        return self._producer

    @property
    def emitter(self) -> FactEmitter:
        """The fact emitter bound to the operator's store and producer and the evidence bucket."""
        if self._emitter is None:
            self._emitter = FactEmitter(self.store, self.producer, self.evidence_bucket, clock=self.clock)
        return self._emitter

    def run(self, platform_run_id: str) -> RunEvidence:
        """The evidence layout of one run in this profile's evidence bucket."""
        return RunEvidence(self.evidence_bucket, platform_run_id)

    def pins(self, platform_run_id: str, **extra: str | int | bool | None) -> dict[str, Any]:
        """The pins of a fact about `platform_run_id` under this profile (rehearsal flag included)."""
        flags = run_flags(self.profile)
        return run_pins(platform_run_id, str(flags["profile"]), bool(flags["rehearsal"]), **extra)

    def close(self) -> None:
        """Flush and close the producer if one was opened."""
        if self._producer is not None:
            producer, self._producer, self._emitter = self._producer, None, None
            producer.close()

    def __enter__(self) -> OperateContext:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
