"""Run telemetry on the real object store: immutable parts, exact sums, a rollup that converges."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import Profile, kafka_settings
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.eb.topics import AUDIT_TOPIC
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.facts import run_pins
from fraud_platform.obs.telemetry import TelemetryRecorder, rollup_telemetry
from fraud_platform.substrate import factory, telemetry
from fraud_platform.substrate.objectstore.port import ObjectInfo, ObjectStore, S3Location

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def profile(bootstrapped: BootstrappedSubstrates) -> Profile:
    return bootstrapped.profile


@pytest.fixture(scope="module")
def store(bootstrapped: BootstrappedSubstrates) -> ObjectStore:
    return factory.open_object_store(bootstrapped.credentials["ig"])


@pytest.fixture
def run_id() -> str:
    moment = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(
        seconds=random.SystemRandom().randrange(500_000_000)
    )
    return moment.strftime("platform_%Y%m%dT%H%M%SZ")


class _Counters:
    """A scripted snapshot source, so the expected sums are exact."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {"s3": {"sr": {"PutObject": {"requests": 0}}}}

    def bump(self, requests: int) -> None:
        self.value["s3"]["sr"]["PutObject"]["requests"] += requests

    def __call__(self) -> dict[str, Any]:
        return {"s3": {"sr": {"PutObject": dict(self.value["s3"]["sr"]["PutObject"])}}}


def test_parts_are_deltas_and_the_rollup_is_their_sum(
    profile: Profile, store: ObjectStore, run_id: str
) -> None:
    bucket = profile.object_store.evidence_bucket
    counters = _Counters()
    first = TelemetryRecorder(store, bucket, run_id, "sr", snapshot=counters)
    second = TelemetryRecorder(store, bucket, run_id, "wsp", snapshot=counters)
    counters.bump(3)
    part_one = first.record("start")
    counters.bump(4)
    part_two = first.record("end")
    part_three = second.record("end")  # the other writer saw 7 since its (empty) baseline
    run = RunEvidence(bucket, run_id)
    assert [info.key.rsplit("/", 1)[-1] for info in store.list(run.telemetry_parts)] == [
        "000001.json",
        "000002.json",
        "000003.json",
    ]
    bodies = [parse_json_bytes(store.get(part)) for part in (part_one, part_two, part_three)]
    assert [(b["seq"], b["phase"], b["component"]) for b in bodies] == [
        (1, "start", "sr"),
        (2, "end", "sr"),
        (3, "end", "wsp"),
    ], "the phase travels in the body, not the key"
    deltas = [body["counters"] for body in bodies]
    assert [d["s3"]["sr"]["PutObject"]["requests"] for d in deltas] == [3, 4, 7]

    rollup = rollup_telemetry(store, bucket, run_id)
    assert rollup["counters"] == {"s3": {"sr": {"PutObject": {"requests": 14}}}}
    assert rollup["parts"] == ["000001.json", "000002.json", "000003.json"]
    data, etag = store.get_with_etag(run.telemetry_rollup)
    assert parse_json_bytes(data) == rollup
    assert rollup_telemetry(store, bucket, run_id) == rollup
    assert store.get_with_etag(run.telemetry_rollup) == (data, etag), "an unchanged rollup is not rewritten"


def test_real_counters_show_the_fact_traffic(profile: Profile, store: ObjectStore, run_id: str) -> None:
    bucket = profile.object_store.evidence_bucket
    producer = factory.open_producer(kafka_settings(profile, "ig"))
    try:
        recorder = TelemetryRecorder(store, bucket, run_id, "obs-test", baseline=telemetry.snapshot())
        FactEmitter(store, producer, bucket).emit_fact(
            "COMPONENT_STARTED",
            run_pins(run_id, profile.profile, False),
            {"component": "obs-test"},
            "obs-test",
        )
        location: S3Location = recorder.record("emit")
    finally:
        producer.close()
    part = parse_json_bytes(store.get(location))
    assert part["platform_run_id"] == run_id and part["component"] == "obs-test"
    produced = part["counters"]["kafka"]["ig"][AUDIT_TOPIC]["produce"]
    assert produced["messages"] >= 1 and produced["bytes"] > 0
    assert part["counters"]["s3"]["ig"]["PutObject"]["requests"] >= 1
    assert part["counters"]["s3"]["ig"]["PutObject"]["bytes_sent"] > 0


class _PausedListingStore:
    """The real store, except that the first listing of the parts pauses after it is complete.

    The roller holding it has seen its parts and is held there until released: the slow roller
    of a real race, while a faster one (with more parts) writes the rollup.
    """

    def __init__(self, inner: ObjectStore) -> None:
        self._inner = inner
        self.listed = threading.Event()
        self.release = threading.Event()

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        listing = list(self._inner.list(prefix))
        if prefix.key.endswith("telemetry_parts/") and not self.listed.is_set():
            self.listed.set()
            assert self.release.wait(timeout=30)
        return iter(listing)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_slow_roller_with_fewer_parts_never_shrinks_the_rollup(
    profile: Profile, store: ObjectStore, run_id: str
) -> None:
    bucket = profile.object_store.evidence_bucket
    counters = _Counters()
    recorder = TelemetryRecorder(store, bucket, run_id, "sr", snapshot=counters)
    counters.bump(1)
    recorder.record("first")
    slow_store = _PausedListingStore(store)
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(rollup_telemetry, cast(ObjectStore, slow_store), bucket, run_id)
        assert slow_store.listed.wait(timeout=30), "the slow roller listed its parts"
        counters.bump(2)
        recorder.record("second")
        counters.bump(4)
        recorder.record("third")
        fast = rollup_telemetry(store, bucket, run_id)
        slow_store.release.set()
        slow_result = slow.result(timeout=60)
    assert len(fast["parts"]) == 3
    final = parse_json_bytes(store.get(RunEvidence(bucket, run_id).telemetry_rollup))
    assert final["parts"] == fast["parts"], "telemetry.json never moves backwards"
    assert final["counters"] == {"s3": {"sr": {"PutObject": {"requests": 7}}}}
    assert set(fast["parts"]) <= set(slow_result["parts"]), "the slow roller reports what stands"


def test_concurrent_recorders_and_rollers_converge(profile: Profile, store: ObjectStore, run_id: str) -> None:
    bucket = profile.object_store.evidence_bucket
    writers, records = 3, 4
    start = threading.Barrier(writers)
    seen: list[list[str]] = []

    def write_and_roll(writer: int) -> None:
        counters = _Counters()
        recorder = TelemetryRecorder(store, bucket, run_id, f"w{writer}", snapshot=counters)
        start.wait(timeout=30)
        for index in range(records):
            counters.bump(writer + 1)
            recorder.record(f"step{index}")
            seen.append(rollup_telemetry(store, bucket, run_id)["parts"])

    with ThreadPoolExecutor(max_workers=writers) as pool:
        for future in [pool.submit(write_and_roll, writer) for writer in range(writers)]:
            future.result(timeout=120)
    final = rollup_telemetry(store, bucket, run_id)
    assert len(final["parts"]) == writers * records
    assert final["counters"] == {
        "s3": {"sr": {"PutObject": {"requests": sum((w + 1) * records for w in range(writers))}}}
    }
    assert all(set(parts) <= set(final["parts"]) for parts in seen)
