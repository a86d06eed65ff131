"""An S3 landing source streams (bounded chunks) and serves only the listed version of an object."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import replace

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sources import HASH_CHUNK, S3PrefixSource, hash_stream
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration


def test_s3_source_streams_the_listed_object_and_refuses_a_replaced_one(
    local_substrates: LocalSubstrates,
) -> None:
    creds = replace(local_substrates.operator, role=f"oracle-src-{uuid.uuid4().hex[:8]}")
    bucket = f"fp-src-{uuid.uuid4().hex[:12]}"
    open_s3_admin(creds).create_bucket_if_absent(bucket)
    store = open_object_store(creds)
    body = os.urandom(HASH_CHUNK + 12345)  # more than one chunk
    store.put_if_absent(S3Location(bucket, "world/data/part-0.bin"), body)
    source = S3PrefixSource(store, S3Location(bucket, "world"))
    [listed] = source.list_files()
    with source.open_stream(listed) as stream:
        first = stream.read(HASH_CHUNK * 4)
        assert len(first) <= HASH_CHUNK  # one chunk at a time, never the whole object
        _digest, size = hash_stream(stream)
    assert len(first) + size == len(body)
    with source.open_stream(listed) as stream:
        assert hash_stream(stream) == (hashlib.sha256(body).hexdigest(), len(body))
    # Replaced behind the lander's back (operator may delete): the listed ETag no longer matches.
    store.delete(S3Location(bucket, "world/data/part-0.bin"))
    store.put_if_absent(S3Location(bucket, "world/data/part-0.bin"), body[::-1])
    with pytest.raises(FailClosed) as caught, source.open_stream(listed):
        pass
    assert caught.value.code == "LANDING_SOURCE_CHANGED"
