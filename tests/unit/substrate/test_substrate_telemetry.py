"""Unit tests of the data-movement counters, including the botocore hooks on a real client.

The S3 client is real; only the HTTP send is replaced by a `before-send` handler returning a canned
response (registered ahead of the telemetry hooks, as a transport would be), so no network is used.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate import telemetry
from fraud_platform.substrate.objectstore.port import PutOutcome, S3Credentials, S3Location
from fraud_platform.substrate.objectstore.s3 import S3ObjectStore


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    telemetry.reset()
    yield
    telemetry.reset()


class _Raw:
    """The part of a urllib3 response botocore reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any, **__: Any) -> bytes:
        body, self._body = self._body, b""
        return body

    def close(self) -> None:
        self._body = b""


class _CannedTransport:
    """Answers every request with the next canned (status, headers, body)."""

    def __init__(self, responses: list[tuple[int, dict[str, str], bytes]]) -> None:
        self._responses = responses
        self.sent: list[Any] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.sent.append(request)
        status, headers, body = self._responses.pop(0)
        return AWSResponse(request.url, status, {"Content-Length": str(len(body)), **headers}, _Raw(body))


def _echo(body: bytes) -> dict[str, str]:
    """The headers of a PUT answer whose store confirms the body's SHA-256 (as SeaweedFS and AWS do)."""
    return {"ETag": '"e1"', "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(body).digest()).decode()}


def _store(transport: _CannedTransport, role: str = "oracle_lander") -> S3ObjectStore:
    creds = S3Credentials("http://127.0.0.1:1", "us-east-1", "AKIDEXAMPLE1", "unit-test-secret-1", role)
    store = S3ObjectStore(creds)
    store.client.meta.events.register_first("before-send.s3", transport)
    return store


def test_s3_requests_and_bytes_are_counted_per_role_and_operation() -> None:
    body = b"0123456789" * 10
    transport = _CannedTransport([(200, _echo(body), b""), (200, {"ETag": '"e1"'}, body)])
    store = _store(transport)
    location = S3Location("bucket", "k")
    assert store.put_if_absent(location, body) is PutOutcome.CREATED
    assert store.get(location) == body
    counted = telemetry.snapshot()["s3"]["oracle_lander"]
    assert counted["PutObject"] == {"requests": 1, "errors": 0, "bytes_sent": 100, "bytes_received": 0}
    assert counted["GetObject"] == {"requests": 1, "errors": 0, "bytes_sent": 0, "bytes_received": 100}


def test_s3_error_responses_are_counted_and_head_bodies_are_not() -> None:
    error_body = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
    transport = _CannedTransport(
        [(403, {}, error_body), (200, {"ETag": '"e"', "x-amz-meta-sha256": "ab" * 32}, b"")]
    )
    store = _store(transport, role="auditor")
    with pytest.raises(FailClosed) as caught:
        store.get(S3Location("bucket", "k"))
    assert caught.value.code == "OBJECT_ACCESS_DENIED"
    info = store.head(S3Location("bucket", "k"))
    assert info is not None
    assert info.sha256 == "ab" * 32
    counted = telemetry.snapshot()["s3"]["auditor"]
    assert counted["GetObject"]["errors"] == 1
    assert counted["GetObject"]["bytes_received"] == len(error_body)
    assert counted["HeadObject"] == {"requests": 1, "errors": 0, "bytes_sent": 0, "bytes_received": 0}


def test_request_bodies_are_sent_unsigned_without_default_checksums() -> None:
    transport = _CannedTransport([(200, _echo(b"payload"), b"")])
    _store(transport).put_if_absent(S3Location("bucket", "k"), b"payload")
    headers = {name.lower(): value for name, value in transport.sent[0].headers.items()}
    assert headers["x-amz-content-sha256"] == b"UNSIGNED-PAYLOAD"
    assert headers["if-none-match"] == b"*"
    assert "x-amz-checksum-crc32" not in headers
    assert "x-amz-checksum-sha256" in headers  # our explicit integrity check, not botocore's default
    assert transport.sent[0].url.startswith("http://127.0.0.1:1/bucket/")  # path-style


def test_a_put_is_proven_by_the_echoed_checksum_without_a_head() -> None:
    body = b"proven by the put"
    transport = _CannedTransport([(200, _echo(body), b"")])
    digest = hashlib.sha256(body).hexdigest()
    assert (
        _store(transport).put_if_absent(S3Location("bucket", "k"), body, sha256_hex=digest)
        is PutOutcome.CREATED
    )
    assert len(transport.sent) == 1
    assert "HeadObject" not in telemetry.snapshot()["s3"]["oracle_lander"]


def test_a_store_echoing_another_checksum_is_a_digest_mismatch() -> None:
    transport = _CannedTransport([(200, _echo(b"other bytes"), b"")])
    with pytest.raises(FailClosed) as caught:
        _store(transport).put_if_absent(S3Location("bucket", "k"), b"our bytes")
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"


def test_a_store_that_echoes_no_checksum_is_asked_with_one_head() -> None:
    body = b"no echo"
    digest = hashlib.sha256(body).hexdigest()
    head = {"ETag": '"e1"', "x-amz-meta-sha256": digest}
    transport = _CannedTransport([(200, {"ETag": '"e1"'}, b""), (200, {**head, "Content-Length": "7"}, b"")])
    store = _store(transport)
    assert store.put_if_absent(S3Location("bucket", "k"), body) is PutOutcome.CREATED
    assert telemetry.snapshot()["s3"]["oracle_lander"]["HeadObject"]["requests"] == 1
    wrong = _CannedTransport(
        [
            (200, {"ETag": '"e1"'}, b""),
            (200, {**head, "x-amz-meta-sha256": "00" * 32, "Content-Length": "7"}, b""),
        ]
    )
    with pytest.raises(FailClosed) as caught:
        _store(wrong).put_if_absent(S3Location("bucket", "k"), body)
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"


def test_kafka_counters_and_totals() -> None:
    telemetry.record_kafka("ig", "fp.bus.traffic.fraud.v1", "produce", nbytes=100)
    telemetry.record_kafka("ig", "fp.bus.traffic.fraud.v1", "produce", nbytes=50)
    telemetry.record_kafka("wsp", "fp.bus.control.v1", "consume", nbytes=7)
    snapshot = telemetry.snapshot()
    assert snapshot["kafka"] == {
        "ig": {"fp.bus.traffic.fraud.v1": {"produce": {"messages": 2, "bytes": 150}}},
        "wsp": {"fp.bus.control.v1": {"consume": {"messages": 1, "bytes": 7}}},
    }
    assert snapshot["totals"]["kafka_messages_produced"] == 2
    assert snapshot["totals"]["kafka_bytes_consumed"] == 7
    with pytest.raises(ValueError):
        telemetry.record_kafka("ig", "t", "sideways", nbytes=1)  # type: ignore[arg-type]


def test_snapshot_is_json_friendly_sorted_and_reset_clears() -> None:
    telemetry.record_s3("sr", "PutObject", requests=1, bytes_sent=3)
    telemetry.record_s3("ig", "GetObject", requests=2, bytes_received=5)
    snapshot = telemetry.snapshot()
    assert list(snapshot["s3"]) == ["ig", "sr"]
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["totals"]["s3_requests"] == 3
    telemetry.reset()
    assert telemetry.snapshot()["s3"] == {}
    assert telemetry.snapshot()["totals"]["s3_requests"] == 0


def test_counting_is_thread_safe() -> None:
    def work(_: int) -> None:
        for _ in range(1000):
            telemetry.record_s3("wsp", "GetObject", requests=1, bytes_received=2)
            telemetry.record_kafka("wsp", "t", "consume", nbytes=3)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    snapshot = telemetry.snapshot()
    assert snapshot["s3"]["wsp"]["GetObject"]["requests"] == 8000
    assert snapshot["s3"]["wsp"]["GetObject"]["bytes_received"] == 16000
    assert snapshot["kafka"]["wsp"]["t"]["consume"] == {"messages": 8000, "bytes": 24000}
