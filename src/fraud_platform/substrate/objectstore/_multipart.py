"""The write-once multipart upload of the boto3 adapter (split out of `s3.py`).

Memory is bounded by one part: each part is read from the stream, hashed into the running SHA-256
and sent with its `ChecksumCRC32` (the upload is created with `ChecksumAlgorithm=CRC32`, so the
store verifies every part it keeps and refuses a wrong one with `BadDigest`). Only when the whole
stream matched the declared size and SHA-256 is the upload completed, with `If-None-Match: *`, which
is the commit point: any failure before it aborts the upload and leaves no object behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.substrate._reasons import OBJECT_CONFLICT
from fraud_platform.substrate.objectstore._bodies import b64_crc32, check_body, read_exact
from fraud_platform.substrate.objectstore.errors import map_s3_errors
from fraud_platform.substrate.objectstore.hashing import ByteSource
from fraud_platform.substrate.objectstore.port import PutOutcome, S3Location

__all__ = ["MAX_PARTS", "multipart_put"]

MAX_PARTS = 10_000


def multipart_put(
    client: Any,
    location: S3Location,
    stream: ByteSource,
    size: int,
    *,
    declared: str,
    metadata: dict[str, str],
    content_type: str,
    part_size: int,
    on_conflict: Callable[[], PutOutcome],
) -> PutOutcome:
    """Upload `size` bytes of `stream` as parts; `on_conflict` decides when a rival completed first."""
    part_size = max(part_size, -(-size // MAX_PARTS))
    with map_s3_errors(location):
        upload_id = client.create_multipart_upload(
            Bucket=location.bucket,
            Key=location.key,
            Metadata=metadata,
            ContentType=content_type,
            ChecksumAlgorithm="CRC32",
        )["UploadId"]
    completed = False
    try:
        parts: list[dict[str, Any]] = []
        hasher = hashlib.sha256()
        total = 0
        while total < size:
            chunk = read_exact(stream, min(part_size, size - total))
            if not chunk:
                break
            hasher.update(chunk)
            total += len(chunk)
            crc = b64_crc32(chunk)
            number = len(parts) + 1
            with map_s3_errors(location):
                etag = client.upload_part(
                    Bucket=location.bucket,
                    Key=location.key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=chunk,
                    ChecksumCRC32=crc,
                )["ETag"]
            del chunk
            parts.append({"ETag": etag, "PartNumber": number, "ChecksumCRC32": crc})
        check_body(location, total + len(stream.read(1)), hasher.hexdigest(), size, declared)
        try:
            with map_s3_errors(location, precondition_code=OBJECT_CONFLICT):
                client.complete_multipart_upload(
                    Bucket=location.bucket,
                    Key=location.key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                    IfNoneMatch="*",
                )
            completed = True
        except FailClosed as error:
            if error.code != OBJECT_CONFLICT:
                raise
            return on_conflict()
    finally:
        if not completed:
            _abort_quietly(client, location, upload_id)
    return PutOutcome.CREATED


def _abort_quietly(client: Any, location: S3Location, upload_id: str) -> None:
    """Abort an unfinished upload; a failure here must not mask the error that got us here.

    An upload left behind is only storage cost (a lifecycle rule aborts it); it never becomes an
    object, so swallowing the abort's own failure cannot corrupt truth.
    """
    try:
        with map_s3_errors(location):
            client.abort_multipart_upload(Bucket=location.bucket, Key=location.key, UploadId=upload_id)
    except (FailClosed, TransientError):
        return
