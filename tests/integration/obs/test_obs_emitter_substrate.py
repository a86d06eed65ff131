"""Governance facts on the real substrates: write-once object, idempotent re-emit, conflict, audit bus.

Facts are emitted as the `sr` role, with its own least-privilege keys on the bootstrapped substrates,
as a component would. Each test uses its own platform_run_id (a random second long ago), so the
evidence it counts is its own even though the session shares the substrates with other tests.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import Profile, kafka_settings
from fraud_platform.core.errors import FailClosed
from fraud_platform.eb.topics import AUDIT_TOPIC
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.facts import Fact, fact_file_bytes, parse_fact, run_pins
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus.port import BusProducer
from fraud_platform.substrate.objectstore.port import ObjectStore

pytestmark = pytest.mark.integration

_ROLE = "sr"


@pytest.fixture(scope="module")
def profile(bootstrapped: BootstrappedSubstrates) -> Profile:
    return bootstrapped.profile


@pytest.fixture(scope="module")
def store(bootstrapped: BootstrappedSubstrates) -> ObjectStore:
    """The `sr` role's store: a component emits facts under its own least-privilege keys."""
    return factory.open_object_store(bootstrapped.credentials[_ROLE])


@pytest.fixture(scope="module")
def producer(profile: Profile) -> Iterator[BusProducer]:
    opened = factory.open_producer(kafka_settings(profile, _ROLE))
    yield opened
    opened.close()


@pytest.fixture
def run_id() -> str:
    moment = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(
        seconds=random.SystemRandom().randrange(500_000_000)
    )
    return moment.strftime("platform_%Y%m%dT%H%M%SZ")


def _emitter(store: ObjectStore, producer: BusProducer, profile: Profile) -> FactEmitter:
    return FactEmitter(store, producer, profile.object_store.evidence_bucket)


def _read_from_audit_bus(
    profile: Profile, event_id: str, deadline_s: float = 60.0
) -> tuple[bytes | None, bytes]:
    """An independent consumer (fresh group, earliest) polls until it sees `event_id`."""
    consumer = factory.open_consumer(
        kafka_settings(profile, "reporter"), f"obs-test-{uuid.uuid4().hex}", [AUDIT_TOPIC]
    )
    try:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.headers.get("event_id") == event_id.encode("ascii"):
                return message.key, message.value
    finally:
        consumer.close()
    raise AssertionError(f"fact {event_id} not seen on {AUDIT_TOPIC} within {deadline_s}s")


def test_fact_is_written_once_and_a_reemit_converges(
    profile: Profile, store: ObjectStore, producer: BusProducer, run_id: str
) -> None:
    emitter = _emitter(store, producer, profile)
    pins = run_pins(run_id, profile.profile, profile.rehearsal)
    first = emitter.emit_fact("COMPONENT_STARTED", pins, {"component": "obs-test"}, "obs-test")
    assert first.created
    run = RunEvidence(profile.object_store.evidence_bucket, run_id)
    assert first.location == run.fact("COMPONENT_STARTED", first.event_id)
    stored, etag = store.get_with_etag(first.location)
    assert stored == fact_file_bytes(first.fact)
    assert parse_fact(stored) == first.fact

    again = emitter.emit_fact("COMPONENT_STARTED", pins, {"component": "obs-test"}, "obs-test")
    assert not again.created
    assert again.event_id == first.event_id
    keys = [info.key for info in store.list(run.governance)]
    assert keys == [first.location.key]
    assert store.get_with_etag(first.location) == (stored, etag)


def test_same_event_id_with_different_bytes_is_a_conflict(
    profile: Profile, store: ObjectStore, producer: BusProducer, run_id: str
) -> None:
    emitter = _emitter(store, producer, profile)
    pins = run_pins(run_id, profile.profile, profile.rehearsal)
    original = emitter.emit_fact("COMPONENT_READY", pins, {"component": "obs-test"}, "actor-a")
    with pytest.raises(FailClosed) as caught:
        emitter.emit_fact("COMPONENT_READY", pins, {"component": "obs-test"}, "actor-b")
    assert caught.value.code == "FACT_CONFLICT"
    assert caught.value.refs["event_id"] == original.event_id
    assert store.get(original.location) == fact_file_bytes(original.fact)


def test_unknown_family_writes_nothing(
    profile: Profile, store: ObjectStore, producer: BusProducer, run_id: str
) -> None:
    emitter = _emitter(store, producer, profile)
    with pytest.raises(FailClosed) as caught:
        emitter.emit_fact("NOT_A_FAMILY", run_pins(run_id, profile.profile, False), {}, "obs-test")
    assert caught.value.code == "FACT_FAMILY_UNKNOWN"
    assert list(store.list(RunEvidence(profile.object_store.evidence_bucket, run_id).prefix)) == []


def test_fact_is_read_back_from_the_audit_topic(
    profile: Profile, store: ObjectStore, producer: BusProducer, run_id: str
) -> None:
    emitted = _emitter(store, producer, profile).emit_fact(
        "COMPONENT_STOPPED",
        run_pins(run_id, profile.profile, profile.rehearsal),
        {"component": "obs-test"},
        "obs-test",
    )
    assert emitted.delivery is not None and emitted.delivery.topic == AUDIT_TOPIC
    key, value = _read_from_audit_bus(profile, emitted.event_id)
    assert key == run_id.encode("ascii")
    fact: Fact = parse_fact(value)
    assert fact == emitted.fact
    assert value + b"\n" == store.get(emitted.location)
