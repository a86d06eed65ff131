"""Behaviour suite of the object-store port against the real local S3 API (SeaweedFS).

Every guarantee of `substrate/objectstore/port.py` is exercised here through the factory, so the
same suite can later run against any other implementation of the port.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, BinaryIO

import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.substrate import telemetry
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore._client import build_s3_client
from fraud_platform.substrate.objectstore.admin import LifecycleRule, S3Admin
from fraud_platform.substrate.objectstore.port import ObjectStore, PutOutcome, S3Credentials, S3Location
from fraud_platform.substrate.objectstore.s3 import MIN_PART_SIZE, S3ObjectStore

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def operator(local_substrates: LocalSubstrates) -> S3Credentials:
    # A role name of our own keeps this module's telemetry apart from other tests in the session.
    return replace(local_substrates.operator, role=f"substrate-test-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def admin(operator: S3Credentials) -> S3Admin:
    return open_s3_admin(operator)


@pytest.fixture(scope="module")
def bucket(admin: S3Admin) -> str:
    name = f"fp-substrate-{uuid.uuid4().hex[:12]}"
    assert admin.create_bucket_if_absent(name) is True
    return name


@pytest.fixture(scope="module")
def store(operator: S3Credentials) -> ObjectStore:
    return open_object_store(operator)


@pytest.fixture
def prefix(bucket: str) -> S3Location:
    return S3Location(bucket, f"t/{uuid.uuid4().hex[:10]}")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Write-once ---------------------------------------------------------------------------------------


def test_put_if_absent_creates_then_is_idempotent_for_same_bytes(
    store: ObjectStore, prefix: S3Location
) -> None:
    location = prefix.child("a.json")
    assert store.put_if_absent(location, b'{"a":1}\n', content_type="application/json") is PutOutcome.CREATED
    assert (
        store.put_if_absent(location, b'{"a":1}\n', content_type="application/json")
        is PutOutcome.ALREADY_PRESENT
    )
    info = store.head(location)
    assert info is not None
    assert info.size == 8
    assert info.sha256 == _sha(b'{"a":1}\n')


def test_put_if_absent_refuses_different_bytes_and_keeps_the_original(
    store: ObjectStore, prefix: S3Location
) -> None:
    location = prefix.child("b.bin")
    store.put_if_absent(location, b"original")
    with pytest.raises(FailClosed) as caught:
        store.put_if_absent(location, b"tampered")
    assert caught.value.code == "OBJECT_CONFLICT"
    assert caught.value.refs["existing_sha256"] == _sha(b"original")
    assert store.get(location) == b"original"


def test_put_if_absent_refuses_same_length_other_bytes_even_without_metadata(
    operator: S3Credentials, store: ObjectStore, prefix: S3Location
) -> None:
    # An object written by another tool (no sha256 metadata, no checksum): comparison reads it back.
    location = prefix.child("foreign.bin")
    client = build_s3_client(operator)
    client.put_object(Bucket=location.bucket, Key=location.key, Body=b"abc")
    assert store.put_if_absent(location, b"abc") is PutOutcome.ALREADY_PRESENT
    with pytest.raises(FailClosed) as caught:
        store.put_if_absent(location, b"abd")
    assert caught.value.code == "OBJECT_CONFLICT"


def test_a_trusted_digest_is_proven_by_the_put_response_without_a_head(
    operator: S3Credentials, store: ObjectStore, prefix: S3Location
) -> None:
    # SeaweedFS echoes the ChecksumSHA256 it verified, so CREATED needs no HEAD to be a proof.
    body = os.urandom(4096)
    before = telemetry.snapshot()["s3"].get(operator.role, {}).get("HeadObject", {"requests": 0})
    assert store.put_if_absent(prefix.child("trusted.bin"), body, sha256_hex=_sha(body)) is PutOutcome.CREATED
    after = telemetry.snapshot()["s3"][operator.role].get("HeadObject", {"requests": 0})
    assert after["requests"] == before["requests"]
    info = store.head(prefix.child("trusted.bin"))
    assert info is not None and info.size == len(body) and info.sha256 == _sha(body)


def test_a_wrong_trusted_digest_is_rejected_by_the_store_and_nothing_is_written(
    store: ObjectStore, prefix: S3Location
) -> None:
    location = prefix.child("lied.bin")
    with pytest.raises(FailClosed) as caught:
        store.put_if_absent(location, b"the real bytes", sha256_hex=_sha(b"other bytes"))
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"  # SeaweedFS answers BadDigest
    assert store.head(location) is None


def test_concurrent_identical_writers_create_exactly_once(store: ObjectStore, prefix: S3Location) -> None:
    location = prefix.child("raced.bin")
    payload = os.urandom(4096)
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: store.put_if_absent(location, payload), range(8)))
    assert outcomes.count(PutOutcome.CREATED) == 1
    assert outcomes.count(PutOutcome.ALREADY_PRESENT) == 7
    assert store.get(location) == payload


# Large bodies -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_part_store(operator: S3Credentials) -> S3ObjectStore:
    """Multipart from 5 MiB on, so a test body of a few MiB exercises the multipart path."""
    return S3ObjectStore(operator, multipart_threshold=MIN_PART_SIZE, part_size=MIN_PART_SIZE)


@pytest.fixture(scope="module")
def big_body() -> bytes:
    return random.Random(7).randbytes(2 * MIN_PART_SIZE + 12345)


def test_multipart_stream_put_stores_sha256_and_is_write_once(
    small_part_store: S3ObjectStore, prefix: S3Location, big_body: bytes
) -> None:
    location = prefix.child("big.parquet")
    digest = _sha(big_body)
    outcome = small_part_store.put_stream_if_absent(
        location, io.BytesIO(big_body), len(big_body), sha256_hex=digest
    )
    assert outcome is PutOutcome.CREATED
    info = small_part_store.head(location)
    assert info is not None
    assert info.size == len(big_body)
    assert info.sha256 == digest
    assert info.metadata["sha256"] == digest
    assert info.etag.strip('"').endswith("-3")  # three parts: the multipart path really ran
    assert small_part_store.get(location) == big_body
    again = small_part_store.put_stream_if_absent(
        location, io.BytesIO(big_body), len(big_body), sha256_hex=digest
    )
    assert again is PutOutcome.ALREADY_PRESENT
    other = big_body[:-1] + b"\x00"
    with pytest.raises(FailClosed) as caught:
        small_part_store.put_stream_if_absent(location, io.BytesIO(other), len(other), sha256_hex=_sha(other))
    assert caught.value.code == "OBJECT_CONFLICT"


def test_stream_put_with_wrong_digest_aborts_and_leaves_nothing(
    small_part_store: S3ObjectStore, prefix: S3Location, big_body: bytes
) -> None:
    location = prefix.child("lies.bin")
    with pytest.raises(FailClosed) as caught:
        small_part_store.put_stream_if_absent(
            location, io.BytesIO(big_body), len(big_body), sha256_hex="0" * 64
        )
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"
    assert small_part_store.head(location) is None
    uploads = small_part_store.client.list_multipart_uploads(Bucket=location.bucket, Prefix=location.key)
    assert not uploads.get("Uploads")


def test_stream_put_with_short_stream_is_refused(small_part_store: S3ObjectStore, prefix: S3Location) -> None:
    location = prefix.child("short.bin")
    with pytest.raises(FailClosed) as caught:
        small_part_store.put_stream_if_absent(location, io.BytesIO(b"1234"), 5, sha256_hex=_sha(b"12345"))
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"
    assert small_part_store.head(location) is None


def test_small_stream_put_goes_as_one_conditional_put(
    small_part_store: S3ObjectStore, prefix: S3Location
) -> None:
    location = prefix.child("small.bin")
    body = b"x" * 1000
    outcome = small_part_store.put_stream_if_absent(
        location, io.BytesIO(body), len(body), sha256_hex=_sha(body)
    )
    assert outcome is PutOutcome.CREATED
    info = small_part_store.head(location)
    assert info is not None
    assert info.sha256 == _sha(body)
    assert "-" not in info.etag


class _RacingStream(io.RawIOBase):
    """A body whose first read lets a rival writer land the same key mid-upload."""

    def __init__(self, body: bytes, rival: Callable[[], Any]) -> None:
        self._inner: BinaryIO = io.BytesIO(body)
        self._rival: Callable[[], Any] | None = rival

    def read(self, size: int = -1) -> bytes:
        if self._rival is not None:
            rival, self._rival = self._rival, None
            rival()
        return self._inner.read(size)


@pytest.mark.parametrize(("rival_same_bytes", "expected"), [(True, "already_present"), (False, "conflict")])
def test_multipart_complete_is_conditional_when_a_rival_lands_first(
    small_part_store: S3ObjectStore,
    store: ObjectStore,
    prefix: S3Location,
    big_body: bytes,
    rival_same_bytes: bool,
    expected: str,
) -> None:
    location = prefix.child("contended.bin")
    rival_body = big_body if rival_same_bytes else b"rival"
    stream = _RacingStream(big_body, lambda: store.put_if_absent(location, rival_body))
    if expected == "already_present":
        outcome = small_part_store.put_stream_if_absent(
            location,
            stream,  # type: ignore[arg-type]
            len(big_body),
            sha256_hex=_sha(big_body),
        )
        assert outcome is PutOutcome.ALREADY_PRESENT
    else:
        with pytest.raises(FailClosed) as caught:
            small_part_store.put_stream_if_absent(
                location,
                stream,  # type: ignore[arg-type]
                len(big_body),
                sha256_hex=_sha(big_body),
            )
        assert caught.value.code == "OBJECT_CONFLICT"
    assert store.get(location) == rival_body
    uploads = small_part_store.client.list_multipart_uploads(Bucket=location.bucket, Prefix=location.key)
    assert not uploads.get("Uploads")


# Compare-and-swap ---------------------------------------------------------------------------------


def test_put_if_match_moves_a_pointer_only_from_the_expected_etag(
    store: ObjectStore, prefix: S3Location
) -> None:
    pointer = prefix.child("pointer.json")
    first = store.put_if_match(pointer, b"v1", None)
    with pytest.raises(FailClosed) as must_not_exist:
        store.put_if_match(pointer, b"v1-again", None)
    assert must_not_exist.value.code == "OBJECT_CAS_CONFLICT"
    data, etag = store.get_with_etag(pointer)
    assert (data, etag) == (b"v1", first)
    second = store.put_if_match(pointer, b"v2", etag)
    assert second != first
    with pytest.raises(FailClosed) as stale:
        store.put_if_match(pointer, b"v3", first)
    assert stale.value.code == "OBJECT_CAS_CONFLICT"
    assert store.get(pointer) == b"v2"


def test_put_if_match_on_a_missing_object_is_a_cas_conflict(store: ObjectStore, prefix: S3Location) -> None:
    with pytest.raises(FailClosed) as caught:
        store.put_if_match(prefix.child("nowhere.json"), b"v", '"0123456789abcdef0123456789abcdef"')
    assert caught.value.code == "OBJECT_CAS_CONFLICT"


def test_concurrent_cas_from_one_etag_has_exactly_one_winner(store: ObjectStore, prefix: S3Location) -> None:
    pointer = prefix.child("contended-pointer.json")
    start = store.put_if_match(pointer, b"start", None)

    def attempt(index: int) -> bool:
        try:
            store.put_if_match(pointer, f"writer-{index}".encode(), start)
        except FailClosed as error:
            assert error.code == "OBJECT_CAS_CONFLICT"
            return False
        return True

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count(True) == 1
    assert store.get(pointer) == f"writer-{results.index(True)}".encode()


# Reads, listing, delete ---------------------------------------------------------------------------


def test_missing_objects_and_buckets(store: ObjectStore, prefix: S3Location) -> None:
    assert store.head(prefix.child("absent")) is None
    with pytest.raises(FailClosed) as missing:
        store.get(prefix.child("absent"))
    assert missing.value.code == "OBJECT_MISSING"
    with pytest.raises(FailClosed) as no_bucket:
        store.get(S3Location(f"fp-absent-{uuid.uuid4().hex[:8]}", "k"))
    assert no_bucket.value.code == "OBJECT_BUCKET_MISSING"


def test_list_returns_full_keys_in_key_order_across_pages(store: S3ObjectStore, prefix: S3Location) -> None:
    names = ["b/2", "a", "b/10", "c.json", "b/1", "A"]
    for name in random.Random(3).sample(names, len(names)):
        store.put_if_absent(prefix.child(name), name.encode())
    store.put_if_absent(S3Location(prefix.bucket, prefix.key + "-sibling/x"), b"not under the prefix")
    listed = list(store.list(prefix.child(""), page_size=2))
    assert [info.key for info in listed] == sorted(f"{prefix.key}/{name}" for name in names)
    assert [info.size for info in listed] == [len(name) for name in sorted(names)]


def test_delete_removes_and_is_idempotent(store: ObjectStore, prefix: S3Location) -> None:
    location = prefix.child("gone.bin")
    store.put_if_absent(location, b"x")
    store.delete(location)
    store.delete(location)
    assert store.head(location) is None


# Credentials and reachability ---------------------------------------------------------------------


def test_a_bogus_key_pair_is_denied_and_writes_nothing(
    local_substrates: LocalSubstrates, store: ObjectStore, prefix: S3Location
) -> None:
    bogus = S3Credentials(
        local_substrates.s3_endpoint, "us-east-1", "FPBOGUSKEY0001", "bogus-secret-0001", "bogus"
    )
    intruder = open_object_store(bogus)
    location = prefix.child("intrusion.bin")
    for call in (
        lambda: intruder.put_if_absent(location, b"x"),
        lambda: intruder.get(location),
        lambda: intruder.head(location),
    ):
        with pytest.raises(FailClosed) as caught:
            call()
        assert caught.value.code == "OBJECT_ACCESS_DENIED"
        assert "bogus-secret-0001" not in str(caught.value)
    assert store.head(location) is None


def test_an_unreachable_endpoint_is_transient() -> None:
    creds = S3Credentials("http://127.0.0.1:9", "us-east-1", "FPKEY0000001", "fp-secret-0001", "nowhere")
    unreachable = S3ObjectStore(creds, client=build_s3_client(creds, max_attempts=1, connect_timeout_s=1.0))
    with pytest.raises(TransientError) as caught:
        unreachable.get(S3Location("bucket", "key"))
    assert caught.value.code == "OBJECT_STORE_UNAVAILABLE"
    assert caught.value.transient


# Telemetry ----------------------------------------------------------------------------------------


def test_s3_bytes_and_requests_are_counted_per_role_and_operation(
    operator: S3Credentials, store: ObjectStore, prefix: S3Location
) -> None:
    body = os.urandom(10_000)
    before = telemetry.snapshot()["s3"].get(operator.role, {})
    store.put_if_absent(prefix.child("counted.bin"), body)
    assert store.get(prefix.child("counted.bin")) == body
    after = telemetry.snapshot()["s3"][operator.role]
    put_before = before.get("PutObject", {"requests": 0, "bytes_sent": 0})
    get_before = before.get("GetObject", {"requests": 0, "bytes_received": 0})
    assert after["PutObject"]["requests"] - put_before["requests"] == 1
    assert after["PutObject"]["bytes_sent"] - put_before["bytes_sent"] == len(body)
    assert after["GetObject"]["requests"] - get_before["requests"] == 1
    assert after["GetObject"]["bytes_received"] - get_before["bytes_received"] == len(body)


# Bucket administration ----------------------------------------------------------------------------


def test_bucket_posture_round_trips(admin: S3Admin) -> None:
    name = f"fp-posture-{uuid.uuid4().hex[:10]}"
    assert admin.create_bucket_if_absent(name) is True
    assert admin.create_bucket_if_absent(name) is False
    assert admin.bucket_exists(name)
    assert not admin.bucket_exists(f"fp-absent-{uuid.uuid4().hex[:8]}")
    assert name in admin.list_buckets()

    assert admin.get_versioning(name) is None
    admin.put_versioning(name)
    assert admin.get_versioning(name) == "Enabled"

    assert admin.get_encryption_algorithm(name) is None
    admin.put_encryption_sse_s3(name)
    assert admin.get_encryption_algorithm(name) == "AES256"

    assert admin.get_lifecycle_rules(name) is None
    admin.put_lifecycle_rules(name, [LifecycleRule("tmp", "tmp/", expiration_days=7)])
    rules = admin.get_lifecycle_rules(name)
    assert rules is not None
    assert [(rule["ID"], rule["Expiration"]["Days"]) for rule in rules] == [("tmp", 7)]

    assert admin.get_policy(name) is None
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "KeepTruth",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteObject",
                "Resource": f"arn:aws:s3:::{name}/truth/*",
            }
        ],
    }
    admin.put_policy(name, policy)
    assert admin.get_policy(name) == policy


def test_public_access_block_is_reported_unsupported_locally(admin: S3Admin, bucket: str) -> None:
    with pytest.raises(FailClosed) as put:
        admin.put_public_access_block(bucket)
    assert put.value.code == "OBJECT_STORE_FEATURE_UNSUPPORTED"
    with pytest.raises(FailClosed) as get:
        admin.get_public_access_block(bucket)
    assert get.value.code == "OBJECT_STORE_FEATURE_UNSUPPORTED"
