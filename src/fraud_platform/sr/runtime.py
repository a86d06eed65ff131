"""Wiring SR to a profile: the role's store and producer, the authority store, the runner.

Commands and the run lane open one runtime, use it, and close it (the producer is flushed, the state
engine's pool released). Tests build the same object from a profile they loaded themselves, so the
CLI and the tests exercise one path.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from fraud_platform.config import kafka_settings, role_credentials
from fraud_platform.config.schema import Profile
from fraud_platform.core.time import Clock
from fraud_platform.sr.authority import AuthorityStore
from fraud_platform.sr.outcome import RunRequest, SrOutcome
from fraud_platform.sr.reemit import reemit_ready
from fraud_platform.sr.runner import DEFAULT_LEASE_S, FaultHook, ScenarioRunner
from fraud_platform.sr.status import RunLedgerView, read_run_ledger
from fraud_platform.substrate.bus.port import BusProducer
from fraud_platform.substrate.factory import open_object_store, open_producer, open_state_engine
from fraud_platform.substrate.objectstore.port import ObjectStore

if TYPE_CHECKING:
    from fraud_platform.substrate.state import StateEngine

__all__ = ["SR_ROLE", "SrRuntime"]

SR_ROLE = "sr"
"""SR's own role: reads packs, writes the SR ledger, publishes READY on the control topic."""


@dataclass
class SrRuntime:
    """A profile's SR: store, producer and authority store bound to one role, and the runner."""

    profile: Profile
    store: ObjectStore
    producer: BusProducer
    engine: StateEngine
    runner: ScenarioRunner

    @classmethod
    def open(
        cls,
        profile: Profile,
        *,
        role: str = SR_ROLE,
        clock: Clock | None = None,
        lease_s: float = DEFAULT_LEASE_S,
        faults: FaultHook | None = None,
    ) -> SrRuntime:
        """Open the role's clients and the authority store (creates SR's tables if absent)."""
        store = open_object_store(role_credentials(profile, role))
        producer = open_producer(kafka_settings(profile, role))
        engine = open_state_engine(profile.state.dsn.get_secret_value())
        try:
            authority = AuthorityStore(engine)
        except BaseException:
            producer.close()
            engine.dispose()
            raise
        runner = ScenarioRunner(
            profile,
            store,
            producer,
            authority,
            clock=clock,
            lease_s=lease_s,
            faults=faults,
            actor=f"sr:{role}",
        )
        return cls(profile, store, producer, engine, runner)

    def submit(self, request: RunRequest) -> SrOutcome:
        return self.runner.submit(request)

    def evaluate(self, scenario_run_id: str, *, platform_run_id: str | None = None) -> SrOutcome:
        return self.runner.evaluate(scenario_run_id, platform_run_id=platform_run_id)

    def reemit(
        self, scenario_run_id: str, *, platform_run_id: str | None = None, kind: str = "READY"
    ) -> SrOutcome:
        return reemit_ready(self.runner, scenario_run_id, platform_run_id=platform_run_id, kind=kind)

    def status(self, scenario_run_id: str, *, platform_run_id: str | None = None) -> RunLedgerView:
        return read_run_ledger(
            self.store,
            self.runner.bucket,
            self.runner.authority,
            scenario_run_id,
            platform_run_id=platform_run_id,
            now=self.runner.clock.now(),
        )

    def close(self) -> None:
        """Flush the producer and release the state engine's connections."""
        try:
            self.producer.close()
        finally:
            self.engine.dispose()

    def __enter__(self) -> SrRuntime:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
