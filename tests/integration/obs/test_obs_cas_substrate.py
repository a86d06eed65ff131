"""`cas_update` on the real object store: racing read-modify-write loops lose nothing."""

from __future__ import annotations

import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.core.errors import TransientError
from fraud_platform.obs._reasons import EVIDENCE_CAS_CONTENDED
from fraud_platform.substrate import factory
from fraud_platform.substrate.objectstore.cas import cas_update, read_with_etag
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(bootstrapped: BootstrappedSubstrates) -> ObjectStore:
    return factory.open_object_store(bootstrapped.credentials["ig"])


@pytest.fixture
def location(bootstrapped: BootstrappedSubstrates) -> S3Location:
    bucket = bootstrapped.profile.object_store.evidence_bucket
    return S3Location(bucket, f"evidence/runs/platform_20010101T000000Z/cas_{secrets.token_hex(6)}.json")


def _increment(current: bytes | None) -> bytes:
    count = 0 if current is None else int(json.loads(current)["count"])
    return json.dumps({"count": count + 1}).encode()


def test_racing_increments_are_all_kept(store: ObjectStore, location: S3Location) -> None:
    writers, rounds = 4, 5
    barrier = threading.Barrier(writers)
    held = threading.local()

    def held_increment(current: bytes | None) -> bytes:
        wanted = _increment(current)
        if not getattr(held, "done", False):
            held.done = True
            barrier.wait(timeout=30)  # every writer has read before anyone writes
        return wanted

    def work(_writer: int) -> int:
        lost = 0
        for _ in range(rounds):
            lost += cas_update(store, location, held_increment, attempts=writers * rounds + 1).attempts - 1
        return lost

    with ThreadPoolExecutor(max_workers=writers) as pool:
        lost = sum(pool.map(work, range(writers)))
    data, _etag = read_with_etag(store, location)
    assert data is not None and json.loads(data) == {"count": writers * rounds}
    assert lost >= writers - 1, "the barrier really made writers lose swaps (and retry)"


def test_no_change_writes_nothing(store: ObjectStore, location: S3Location) -> None:
    first = cas_update(store, location, _increment)
    assert first.written and first.attempts == 1
    same = cas_update(store, location, lambda current: current)
    keep = cas_update(store, location, lambda _current: None)
    assert not same.written and not keep.written
    assert same.etag == keep.etag == first.etag
    assert read_with_etag(store, location) == (first.data, first.etag)


def test_absent_and_left_absent(store: ObjectStore, location: S3Location) -> None:
    outcome = cas_update(store, location, lambda _current: None)
    assert (outcome.data, outcome.etag, outcome.written) == (None, None, False)
    assert store.head(location) is None


def test_endless_contention_is_a_transient_refusal(store: ObjectStore, location: S3Location) -> None:
    cas_update(store, location, _increment)

    def meddling(current: bytes | None) -> bytes:
        # Another writer moves the document between our read and our swap, every time.
        store.put_if_match(location, _increment(current), read_with_etag(store, location)[1])
        return json.dumps({"count": -1}).encode()

    with pytest.raises(TransientError) as raised:
        cas_update(store, location, meddling, attempts=3, contended_code=EVIDENCE_CAS_CONTENDED)
    assert raised.value.code == EVIDENCE_CAS_CONTENDED and raised.value.transient
    data, _etag = read_with_etag(store, location)
    assert data is not None and json.loads(data) == {"count": 4}, "the meddler's writes all stand"
