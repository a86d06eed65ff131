"""Behaviour of the port's streamed and ranged reads against the real local S3 API (SeaweedFS)."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import replace

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore import HashingReader, iter_hashed
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Credentials, S3Location

pytestmark = pytest.mark.integration

_SIZE = 3 * 1024 * 1024 + 17  # not a multiple of any chunk size below


@pytest.fixture(scope="module")
def operator(local_substrates: LocalSubstrates) -> S3Credentials:
    return replace(local_substrates.operator, role=f"substrate-reads-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def store(operator: S3Credentials) -> ObjectStore:
    return open_object_store(operator)


@pytest.fixture(scope="module")
def body() -> bytes:
    return random.Random(11).randbytes(_SIZE)


@pytest.fixture(scope="module")
def stored(operator: S3Credentials, store: ObjectStore, body: bytes) -> S3Location:
    bucket = f"fp-reads-{uuid.uuid4().hex[:12]}"
    open_s3_admin(operator).create_bucket_if_absent(bucket)
    location = S3Location(bucket, "obj/blob.bin")
    store.put_if_absent(location, body)
    return location


def test_get_stream_yields_bounded_chunks_that_join_to_the_object(
    store: ObjectStore, stored: S3Location, body: bytes
) -> None:
    chunk_size = 256 * 1024
    chunks = list(store.get_stream(stored, chunk_size=chunk_size))
    assert b"".join(chunks) == body
    assert len(chunks) == -(-_SIZE // chunk_size)
    assert max(len(chunk) for chunk in chunks) <= chunk_size


def test_get_stream_hashed_as_it_passes_matches_the_stored_sha256(
    store: ObjectStore, stored: S3Location, body: bytes
) -> None:
    hasher = hashlib.sha256()
    total = sum(len(chunk) for chunk in iter_hashed(store.get_stream(stored, chunk_size=100_000), hasher))
    info = store.head(stored)
    assert info is not None
    assert total == info.size == _SIZE
    assert hasher.hexdigest() == info.sha256 == hashlib.sha256(body).hexdigest()


def test_hashing_reader_over_a_stream_verifies_and_refuses_a_wrong_digest(
    store: ObjectStore, stored: S3Location, body: bytes
) -> None:
    reader = HashingReader(store.get_stream(stored, chunk_size=1 << 20))
    first = reader.read(10)
    assert first == body[:10]
    reader.verify(_SIZE, hashlib.sha256(body).hexdigest(), where=stored.uri)
    assert reader.bytes_read == _SIZE
    wrong = HashingReader(store.get_stream(stored))
    with pytest.raises(FailClosed) as caught:
        wrong.verify(_SIZE, "0" * 64, where=stored.uri)
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"


def test_get_stream_of_a_missing_object_fails_at_the_call(store: ObjectStore, stored: S3Location) -> None:
    with pytest.raises(FailClosed) as caught:
        store.get_stream(S3Location(stored.bucket, "obj/absent.bin"))
    assert caught.value.code == "OBJECT_MISSING"


def test_get_stream_of_an_empty_object_yields_no_bytes(store: ObjectStore, stored: S3Location) -> None:
    empty = S3Location(stored.bucket, "obj/empty.bin")
    store.put_if_absent(empty, b"")
    assert b"".join(store.get_stream(empty)) == b""


@pytest.mark.parametrize(
    ("start", "length"),
    [(0, 1), (0, 10), (_SIZE - 1, 1), (_SIZE - 10, 10), (1_000_000, 2_000_000), (0, _SIZE)],
)
def test_get_range_returns_exactly_the_bytes_asked_for(
    store: ObjectStore, stored: S3Location, body: bytes, start: int, length: int
) -> None:
    assert store.get_range(stored, start, length) == body[start : start + length]


@pytest.mark.parametrize(
    ("start", "length"),
    [(_SIZE - 10, 11), (_SIZE, 1), (_SIZE + 100, 5), (0, _SIZE + 1), (-1, 5), (0, 0)],
)
def test_get_range_outside_the_object_fails_closed(
    store: ObjectStore, stored: S3Location, start: int, length: int
) -> None:
    with pytest.raises(FailClosed) as caught:
        store.get_range(stored, start, length)
    assert caught.value.code == "OBJECT_RANGE_INVALID"


def test_get_range_of_a_missing_object(store: ObjectStore, stored: S3Location) -> None:
    with pytest.raises(FailClosed) as caught:
        store.get_range(S3Location(stored.bucket, "obj/absent.bin"), 0, 4)
    assert caught.value.code == "OBJECT_MISSING"


def test_get_stream_if_match_serves_only_the_listed_version(store: ObjectStore, stored: S3Location) -> None:
    info = store.head(stored)
    assert info is not None
    assert len(b"".join(store.get_stream(stored, if_match=info.etag))) == _SIZE
    with pytest.raises(FailClosed) as caught:
        store.get_stream(stored, if_match='"0123456789abcdef0123456789abcdef"')
    assert caught.value.code == "OBJECT_CAS_CONFLICT"
