"""Sequence appends on the real object store with writers that really race (threads and a barrier).

Each writer is held at a barrier right before its first conditional PUT, so every writer has
already decided which number to claim when they all fire at once: the interleaving the old
suffix-in-the-key claim lost (`000001-A.json` and `000001-B.json` both "won" number 1).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.obs.evidence import RunEvidence, put_next_in_sequence
from fraud_platform.substrate import factory
from fraud_platform.substrate.objectstore.port import ObjectInfo, ObjectStore, PutOutcome, S3Location

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(bootstrapped: BootstrappedSubstrates) -> ObjectStore:
    return factory.open_object_store(bootstrapped.credentials["ig"])


@pytest.fixture(scope="module")
def bucket(bootstrapped: BootstrappedSubstrates) -> str:
    return bootstrapped.profile.object_store.evidence_bucket


@pytest.fixture
def run(bucket: str) -> RunEvidence:
    moment = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(
        seconds=random.SystemRandom().randrange(500_000_000)
    )
    return RunEvidence(bucket, moment.strftime("platform_%Y%m%dT%H%M%SZ"))


class _BarrierStore:
    """The real store, except that each thread's first `put_if_absent` waits at a barrier.

    Counts LIST calls so a test can see that appends do not re-list the prefix.
    """

    def __init__(self, inner: ObjectStore, barrier: threading.Barrier) -> None:
        self._inner = inner
        self._barrier = barrier
        self._held = threading.local()
        self.lists = 0

    def put_if_absent(self, location: S3Location, data: bytes, **kwargs: Any) -> PutOutcome:
        if not getattr(self._held, "done", False):
            self._held.done = True
            self._barrier.wait(timeout=30)
        return self._inner.put_if_absent(location, data, **kwargs)

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        self.lists += 1
        return self._inner.list(prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _body(writer: str, suffix: str, index: int) -> Any:
    def body_for(seq: int) -> bytes:
        return canonical_file_bytes({"seq": seq, "writer": writer, "event": suffix, "index": index})

    return body_for


def _names(store: ObjectStore, prefix: S3Location) -> list[str]:
    return [info.key.rsplit("/", 1)[-1] for info in store.list(prefix)]


def test_two_writers_with_different_suffixes_get_distinct_numbers(
    store: ObjectStore, run: RunEvidence
) -> None:
    prefix = run.prefix.child("race_two/")
    racing = _BarrierStore(store, threading.Barrier(2))
    plan = [("writer-a", "-ACCEPTED.json"), ("writer-b", "-SUBMITTED.json")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda item: put_next_in_sequence(
                    cast(ObjectStore, racing), prefix, item[1], _body(item[0], item[1], 0)
                ),
                plan,
            )
        )
    assert sorted(seq for _location, seq in results) == [1, 2], results
    assert _names(store, prefix) == ["000001.json", "000002.json"]
    for location, seq in results:
        body = parse_json_bytes(store.get(location))
        assert body["seq"] == seq and location.key.endswith(f"{seq:06d}.json")
    assert {parse_json_bytes(store.get(loc))["event"] for loc, _ in results} == {
        "-ACCEPTED.json",
        "-SUBMITTED.json",
    }


def test_many_racing_writers_fill_every_number_once(store: ObjectStore, run: RunEvidence) -> None:
    prefix = run.prefix.child("race_many/")
    writers, appends = 4, 5
    racing = _BarrierStore(store, threading.Barrier(writers))

    def append_all(writer: int) -> list[int]:
        seqs = []
        for index in range(appends):
            _location, seq = put_next_in_sequence(
                cast(ObjectStore, racing), prefix, f"-w{writer}.json", _body(f"w{writer}", "x", index)
            )
            seqs.append(seq)
        return seqs

    with ThreadPoolExecutor(max_workers=writers) as pool:
        per_writer = list(pool.map(append_all, range(writers)))
    claimed = sorted(seq for seqs in per_writer for seq in seqs)
    total = writers * appends
    assert claimed == list(range(1, total + 1)), "every number claimed exactly once, no gap"
    for seqs in per_writer:
        assert seqs == sorted(seqs), "one writer's appends keep their order"
    bodies: list[Mapping[str, Any]] = [
        parse_json_bytes(store.get(S3Location(prefix.bucket, info.key))) for info in store.list(prefix)
    ]
    assert [body["seq"] for body in bodies] == list(range(1, total + 1))
    assert sorted((body["writer"], body["index"]) for body in bodies) == sorted(
        (f"w{w}", i) for w in range(writers) for i in range(appends)
    ), "no append lost, none duplicated"


def test_appends_do_not_relist_the_prefix(store: ObjectStore, run: RunEvidence) -> None:
    prefix = run.prefix.child("no_relist/")
    counting = _BarrierStore(store, threading.Barrier(1))
    for index in range(12):
        _location, seq = put_next_in_sequence(
            cast(ObjectStore, counting), prefix, ".json", _body("solo", "x", index)
        )
        assert seq == index + 1
    assert counting.lists == 0, "appends find the next number without listing the prefix"
    assert _names(store, prefix) == [f"{seq:06d}.json" for seq in range(1, 13)]
