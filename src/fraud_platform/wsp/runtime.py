"""Wiring WSP to a profile: the role's store, producer and consumer, the state store and the IG client.

The CLI and the tests build the same object, so both exercise one path. The IG token is passed in:
WSP never mints or reads it itself, and never logs it (the client registers it as a secret).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import httpx

from fraud_platform.config import kafka_settings, role_credentials
from fraud_platform.config.schema import Profile
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.evidence import validate_platform_run_id
from fraud_platform.substrate.bus.port import BusProducer
from fraud_platform.substrate.factory import (
    open_consumer,
    open_object_store,
    open_producer,
    open_state_engine,
)
from fraud_platform.substrate.objectstore.port import ObjectStore
from fraud_platform.substrate.state.tables import StateEngine
from fraud_platform.wsp.consume import WSP_ROLE, ConsumeReport, consume_control, group_id_for
from fraud_platform.wsp.handle import RecordHandler
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.retry import RetryPolicy
from fraud_platform.wsp.state import WspState
from fraud_platform.wsp.stream import ProgressFn, StreamOptions

__all__ = ["WSP_ROLE", "WspRuntime"]


@dataclass
class WspRuntime:
    """A profile's WSP bound to one role: store, producer (facts), state, IG client."""

    profile: Profile
    role: str
    store: ObjectStore
    producer: BusProducer
    engine: StateEngine
    state: WspState
    client: IgClient
    clock: Clock

    @classmethod
    def open(
        cls,
        profile: Profile,
        token: str,
        *,
        role: str = WSP_ROLE,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> WspRuntime:
        """Open the role's clients, the state store (creating WSP's tables) and the IG client."""
        the_clock: Clock = clock or SystemClock()
        store = open_object_store(role_credentials(profile, role))
        producer = open_producer(kafka_settings(profile, role))
        engine = open_state_engine(profile.state.dsn.get_secret_value())
        try:
            state = WspState(engine, the_clock)
        except BaseException:
            producer.close()
            engine.dispose()
            raise
        client = IgClient(profile.ig.url, token, policy=policy, transport=transport)
        return cls(profile, role, store, producer, engine, state, client, the_clock)

    def handler(self, platform_run_id: str) -> RecordHandler:
        emitter = FactEmitter(
            self.store, self.producer, self.profile.object_store.evidence_bucket, clock=self.clock
        )
        return RecordHandler(
            self.profile, self.store, self.state, self.client, emitter, self.clock, platform_run_id
        )

    def consume(
        self,
        platform_run_id: str,
        options: StreamOptions,
        *,
        once: bool,
        wait_s: float | None = None,
        progress: ProgressFn | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> ConsumeReport:
        """Consume the control topic for `platform_run_id` (see `consume.consume_control`).

        `wait_s` defaults to the profile's SR evidence deadline: the longest SR may take to decide READY.
        """
        validate_platform_run_id(platform_run_id)
        consumer = open_consumer(
            kafka_settings(self.profile, self.role), group_id_for(platform_run_id, self.role), [CONTROL_TOPIC]
        )
        try:
            return consume_control(
                consumer,
                self.handler(platform_run_id),
                options,
                self.clock,
                once=once,
                wait_s=float(self.profile.budgets.sr_evidence_deadline_s if wait_s is None else wait_s),
                progress=progress,
                should_stop=should_stop,
            )
        finally:
            consumer.close()

    def close(self) -> None:
        """Close the IG client, flush the producer and release the state engine."""
        try:
            self.client.close()
            self.producer.close()
        finally:
            self.engine.dispose()

    def __enter__(self) -> WspRuntime:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
