"""Streamed and ranged GETs of the boto3 adapter (split out of `s3.py` to keep it one job per module).

A streamed read never holds more than one chunk: botocore's `StreamingBody.iter_chunks` reads the
socket `chunk_size` bytes at a time and checks the total against `Content-Length` at the end (a body
cut short raises `IncompleteReadError`, translated like every other botocore error). A ranged read
asks for `bytes=start-end` and refuses any answer that is not exactly the bytes asked for: S3 answers
416 for a start past the end but silently shortens a range that only *ends* past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import OBJECT_CAS_CONFLICT, OBJECT_RANGE_INVALID
from fraud_platform.substrate.objectstore.errors import map_s3_errors
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["read_range", "stream_object"]


def stream_object(
    client: Any, location: S3Location, chunk_size: int, if_match: str | None = None
) -> Iterator[bytes]:
    """Open the object now (a missing one fails here) and return an iterator over its chunks.

    `if_match` makes the GET conditional on the ETag (412 → FailClosed(OBJECT_CAS_CONFLICT)).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1 byte")
    condition = {"IfMatch": if_match} if if_match is not None else {}
    with map_s3_errors(location, precondition_code=OBJECT_CAS_CONFLICT):
        body = client.get_object(Bucket=location.bucket, Key=location.key, **condition)["Body"]
    return _chunks(body, location, chunk_size)


def _chunks(body: Any, location: S3Location, chunk_size: int) -> Iterator[bytes]:
    try:
        with map_s3_errors(location):
            yield from body.iter_chunks(chunk_size)
    finally:
        body.close()


def read_range(client: Any, location: S3Location, start: int, length: int) -> bytes:
    """Exactly `length` bytes at `start`, or FailClosed(OBJECT_RANGE_INVALID)."""
    refs = {"uri": location.uri, "start": start, "length": length}
    if start < 0 or length < 1:
        raise FailClosed(
            OBJECT_RANGE_INVALID, f"{location}: invalid range start={start} length={length}", refs
        )
    with map_s3_errors(location):
        response = client.get_object(
            Bucket=location.bucket, Key=location.key, Range=f"bytes={start}-{start + length - 1}"
        )
        body = response["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
    if len(data) != length:
        raise FailClosed(
            OBJECT_RANGE_INVALID,
            f"{location}: range {start}+{length} ends past the object "
            f"({response.get('ContentRange', 'no Content-Range')}; got {len(data)} bytes)",
            {**refs, "returned": len(data)},
        )
    return data
