"""The cheap store-verified checksum (CRC32) the landing relies on, proven against SeaweedFS itself."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
import zlib
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from fraud_platform.substrate import telemetry
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore._client import build_s3_client
from fraud_platform.substrate.objectstore.port import (
    ObjectStore,
    PutOutcome,
    S3Credentials,
    S3Location,
    StoreChecksum,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def operator(local_substrates: LocalSubstrates) -> S3Credentials:
    return replace(local_substrates.operator, role=f"substrate-crc-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def bucket(operator: S3Credentials) -> str:
    name = f"fp-crc-{uuid.uuid4().hex[:12]}"
    open_s3_admin(operator).create_bucket_if_absent(name)
    return name


@pytest.fixture(scope="module")
def store(operator: S3Credentials) -> ObjectStore:
    return open_object_store(operator)


def _crc(data: bytes, *, wrong: bool = False) -> str:
    value = zlib.crc32(data) ^ (1 if wrong else 0)
    return base64.b64encode(value.to_bytes(4, "big")).decode("ascii")


def test_the_store_refuses_a_put_whose_crc32_is_wrong(operator: S3Credentials, bucket: str) -> None:
    client = build_s3_client(operator)
    body = os.urandom(70_000)
    with pytest.raises(ClientError) as caught:
        client.put_object(Bucket=bucket, Key="bad-crc", Body=body, ChecksumCRC32=_crc(body, wrong=True))
    assert caught.value.response["Error"]["Code"] == "BadDigest"
    response = client.put_object(Bucket=bucket, Key="good-crc", Body=body, ChecksumCRC32=_crc(body))
    assert response["ChecksumCRC32"] == _crc(body)


def test_the_store_refuses_a_part_whose_crc32_is_wrong(operator: S3Credentials, bucket: str) -> None:
    client = build_s3_client(operator)
    upload = client.create_multipart_upload(Bucket=bucket, Key="mp-crc", ChecksumAlgorithm="CRC32")
    part = os.urandom(5 * 1024 * 1024)
    try:
        with pytest.raises(ClientError) as caught:
            client.upload_part(
                Bucket=bucket,
                Key="mp-crc",
                UploadId=upload["UploadId"],
                PartNumber=1,
                Body=part,
                ChecksumCRC32=_crc(part, wrong=True),
            )
        assert caught.value.response["Error"]["Code"] == "BadDigest"
    finally:
        client.abort_multipart_upload(Bucket=bucket, Key="mp-crc", UploadId=upload["UploadId"])


def test_a_crc32_put_is_proven_by_the_response_and_stores_the_callers_sha256(
    operator: S3Credentials, store: ObjectStore, bucket: str
) -> None:
    body = os.urandom(100_000)
    digest = hashlib.sha256(body).hexdigest()
    location = S3Location(bucket, f"crc/{uuid.uuid4().hex}.bin")
    before = telemetry.snapshot()["s3"].get(operator.role, {}).get("HeadObject", {"requests": 0})
    outcome = store.put_if_absent(location, body, sha256_hex=digest, store_checksum=StoreChecksum.CRC32)
    assert outcome is PutOutcome.CREATED
    after = telemetry.snapshot()["s3"][operator.role].get("HeadObject", {"requests": 0})
    assert after["requests"] == before["requests"]  # no verifying HEAD: the echoed CRC32 is the proof
    info = store.head(location)
    assert info is not None and info.size == len(body) and info.sha256 == digest
    again = store.put_if_absent(location, body, sha256_hex=digest, store_checksum=StoreChecksum.CRC32)
    assert again is PutOutcome.ALREADY_PRESENT
