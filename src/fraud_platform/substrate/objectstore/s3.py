"""The boto3 adapter of the object-store port (AWS S3 and SeaweedFS alike).

Write-once is enforced by the store, not by a read-then-write: every truth write carries
`If-None-Match: *`, so two racing writers cannot both succeed. A 412 is then resolved by comparing
the SHA-256 of the bytes already stored with ours: equal means the earlier writer wrote exactly
what we wanted (`ALREADY_PRESENT`, idempotent), different means `FailClosed(OBJECT_CONFLICT)`.
Every object this adapter writes carries its SHA-256 as the user metadata `sha256`, so that
comparison is a HEAD, not a download. A single PUT also sends the digest as `ChecksumSHA256`: the
store checks it against the body (a mismatch is `BadDigest`, nothing stored) and echoes it in the
response, so `CREATED` is proven by the PUT itself and callers need no verifying HEAD.

One instance (one botocore client) is safe to share across a thread pool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from fraud_platform.core.canonical import sha256_hex as _sha256_hex
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.substrate._reasons import (
    OBJECT_CAS_CONFLICT,
    OBJECT_CONFLICT,
    OBJECT_DIGEST_MISMATCH,
    OBJECT_STORE_REQUEST_FAILED,
    OBJECT_WRITE_CONTENDED,
)
from fraud_platform.substrate.objectstore._bodies import (
    SHA256_METADATA_KEY,
    b64_crc32,
    b64_sha256,
    check_body,
    hex_from_checksum,
    read_exact,
    with_sha256,
)
from fraud_platform.substrate.objectstore._client import build_s3_client
from fraud_platform.substrate.objectstore._multipart import multipart_put
from fraud_platform.substrate.objectstore._reads import read_range, stream_object
from fraud_platform.substrate.objectstore.errors import map_s3_errors
from fraud_platform.substrate.objectstore.hashing import ByteSource
from fraud_platform.substrate.objectstore.port import (
    DEFAULT_STREAM_CHUNK,
    ObjectInfo,
    PutOutcome,
    S3Credentials,
    S3Location,
    StoreChecksum,
)

__all__ = [
    "DEFAULT_MULTIPART_THRESHOLD",
    "DEFAULT_PART_SIZE",
    "MIN_PART_SIZE",
    "SHA256_METADATA_KEY",
    "S3ObjectStore",
]

MIN_PART_SIZE = 5 * 1024 * 1024
DEFAULT_PART_SIZE = 16 * 1024 * 1024
DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024
_READ_CHUNK = 1024 * 1024


class S3ObjectStore:
    """`ObjectStore` over one boto3 client bound to one role's credentials."""

    def __init__(
        self,
        creds: S3Credentials,
        *,
        client: Any | None = None,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3 minimum)")
        if multipart_threshold < part_size:
            raise ValueError("multipart_threshold must be at least part_size")
        self.role = creds.role
        self._client = client if client is not None else build_s3_client(creds)
        self._multipart_threshold = multipart_threshold
        self._part_size = part_size

    @property
    def client(self) -> Any:
        """The underlying botocore client (for the admin helpers sharing the same connection pool)."""
        return self._client

    # Write-once -----------------------------------------------------------------------------------

    def put_if_absent(
        self,
        location: S3Location,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
        sha256_hex: str | None = None,
        store_checksum: StoreChecksum = StoreChecksum.SHA256,
    ) -> PutOutcome:
        """Write once with `If-None-Match: *`; identical bytes already there → ALREADY_PRESENT.

        `sha256_hex` (the caller's digest of `data`) is used instead of hashing the body again; the
        store checks it (`ChecksumSHA256`), or with `store_checksum=CRC32` a CRC32 of `data`
        (`ChecksumCRC32`, far cheaper for the server). Blocks until the store acknowledged (durable). Raises
        FailClosed(OBJECT_CONFLICT) when other bytes are there, FailClosed(OBJECT_DIGEST_MISMATCH)
        when the store did not receive bytes with that digest, TransientError(OBJECT_WRITE_CONTENDED)
        when a concurrent writer was mid-way.
        """
        digest = sha256_hex.lower() if sha256_hex is not None else _sha256_hex(data)
        put_metadata = with_sha256(metadata, digest)
        checksum = (
            {"ChecksumCRC32": b64_crc32(data)}
            if store_checksum is StoreChecksum.CRC32
            else {"ChecksumSHA256": b64_sha256(digest)}
        )
        try:
            with map_s3_errors(location, precondition_code=OBJECT_CONFLICT):
                response = self._client.put_object(
                    Bucket=location.bucket,
                    Key=location.key,
                    Body=data,
                    IfNoneMatch="*",
                    ContentType=content_type,
                    Metadata=put_metadata,
                    **checksum,
                )
        except FailClosed as error:
            if error.code != OBJECT_CONFLICT:
                raise
            return self._resolve_existing(location, digest, len(data), data)
        self._confirm_created(location, response, checksum, digest, len(data))
        return PutOutcome.CREATED

    def put_stream_if_absent(
        self,
        location: S3Location,
        stream: ByteSource,
        size: int,
        *,
        sha256_hex: str,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> PutOutcome:
        """Write-once upload of `size` bytes from `stream`, verified against `sha256_hex` as it goes.

        Bodies up to the multipart threshold go as one conditional PUT; larger ones as a multipart
        upload whose CompleteMultipartUpload carries `If-None-Match: *` (honoured by AWS S3 and by
        SeaweedFS 4.48). A HEAD first skips the upload when the object is already there (then the
        *declared* size and digest are compared with the stored ones; the stream is not read). Bytes
        that do not match the declared size or digest abort the upload:
        FailClosed(OBJECT_DIGEST_MISMATCH).
        """
        declared = sha256_hex.lower()
        existing = self.head(location)
        if existing is not None:
            return self._compare_existing(location, existing, declared, size, None)
        if size <= self._multipart_threshold:
            data = read_exact(stream, size)
            check_body(location, len(data) + len(stream.read(1)), _sha256_hex(data), size, declared)
            return self.put_if_absent(
                location,
                data,
                content_type=content_type,
                metadata=metadata,
                sha256_hex=declared,
                store_checksum=StoreChecksum.CRC32,  # the SHA-256 was just proven on `data` here
            )
        return multipart_put(
            self._client,
            location,
            stream,
            size,
            declared=declared,
            metadata=with_sha256(metadata, declared),
            content_type=content_type,
            part_size=self._part_size,
            on_conflict=lambda: self._resolve_existing(location, declared, size, None),
        )

    # Compare-and-swap -----------------------------------------------------------------------------

    def put_if_match(self, location: S3Location, data: bytes, expected_etag: str | None) -> str:
        """Write only if the current ETag is `expected_etag` (None: only if absent); returns the new ETag.

        A lost race raises FailClosed(OBJECT_CAS_CONFLICT): re-read, re-decide, retry.
        """
        digest = _sha256_hex(data)
        condition = {"IfNoneMatch": "*"} if expected_etag is None else {"IfMatch": expected_etag}
        with map_s3_errors(
            location,
            missing_code=OBJECT_CAS_CONFLICT,
            precondition_code=OBJECT_CAS_CONFLICT,
            contended_code=OBJECT_CAS_CONFLICT,
        ):
            response = self._client.put_object(
                Bucket=location.bucket,
                Key=location.key,
                Body=data,
                Metadata={SHA256_METADATA_KEY: digest},
                ChecksumSHA256=b64_sha256(digest),
                **condition,
            )
        return str(response["ETag"])

    # Reads ----------------------------------------------------------------------------------------

    def get(self, location: S3Location) -> bytes:
        """Read a whole object; FailClosed(OBJECT_MISSING) when absent."""
        return self.get_with_etag(location)[0]

    def get_with_etag(self, location: S3Location) -> tuple[bytes, str]:
        """Read a whole object and the ETag of exactly those bytes."""
        with map_s3_errors(location):
            response = self._client.get_object(Bucket=location.bucket, Key=location.key)
            body = response["Body"]
            try:
                data = body.read()
            finally:
                body.close()
        return data, str(response["ETag"])

    def get_stream(
        self, location: S3Location, *, chunk_size: int = DEFAULT_STREAM_CHUNK, if_match: str | None = None
    ) -> Iterator[bytes]:
        """Chunks of at most `chunk_size` bytes; the GET is sent now (missing → OBJECT_MISSING here)."""
        return stream_object(self._client, location, chunk_size, if_match)

    def get_range(self, location: S3Location, start: int, length: int) -> bytes:
        """Exactly `length` bytes at `start`; outside the object → FailClosed(OBJECT_RANGE_INVALID)."""
        return read_range(self._client, location, start, length)

    def head(self, location: S3Location) -> ObjectInfo | None:
        """Size, ETag, SHA-256 (from metadata, else a full-object checksum) and metadata; None if absent."""
        with map_s3_errors(location, missing_code=OBJECT_STORE_REQUEST_FAILED):
            try:
                response = self._client.head_object(
                    Bucket=location.bucket, Key=location.key, ChecksumMode="ENABLED"
                )
            except ClientError as error:
                if int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) == 404:
                    return None
                raise
        metadata = {str(key).lower(): str(value) for key, value in response.get("Metadata", {}).items()}
        sha = metadata.get(SHA256_METADATA_KEY) or hex_from_checksum(response.get("ChecksumSHA256"))
        return ObjectInfo(
            key=location.key,
            size=int(response["ContentLength"]),
            etag=str(response["ETag"]),
            sha256=sha.lower() if sha else None,
            metadata=metadata,
        )

    def list(self, prefix: S3Location, *, page_size: int = 1000) -> Iterator[ObjectInfo]:
        """Every object under `prefix` in key order, page by page (metadata and sha256 not included).

        The S3 API lists in UTF-8 binary key order; a store that breaks that order is refused rather
        than trusted (FailClosed(OBJECT_STORE_REQUEST_FAILED)).
        """
        paginator = self._client.get_paginator("list_objects_v2")
        previous: str | None = None
        with map_s3_errors(prefix):
            for page in paginator.paginate(
                Bucket=prefix.bucket, Prefix=prefix.key, PaginationConfig={"PageSize": page_size}
            ):
                for item in page.get("Contents", []):
                    key = str(item["Key"])
                    if previous is not None and key.encode("utf-8") <= previous.encode("utf-8"):
                        raise FailClosed(
                            OBJECT_STORE_REQUEST_FAILED,
                            f"listing of {prefix} is not in key order ({previous!r} then {key!r})",
                            {"prefix": prefix.uri},
                        )
                    previous = key
                    yield ObjectInfo(key=key, size=int(item["Size"]), etag=str(item["ETag"]))

    def delete(self, location: S3Location) -> None:
        """Delete one object (idempotent: deleting an absent key succeeds, as in S3)."""
        with map_s3_errors(location):
            self._client.delete_object(Bucket=location.bucket, Key=location.key)

    # Internals ------------------------------------------------------------------------------------

    def _confirm_created(
        self, location: S3Location, response: Any, sent: dict[str, str], digest: str, size: int
    ) -> None:
        """Make CREATED a proof: the store's checksum of what it stored must be the one we sent.

        AWS S3 and SeaweedFS echo the verified checksum (`ChecksumSHA256` or `ChecksumCRC32`) in the
        PUT response; a store that does not is asked with one HEAD (size + stored SHA-256) instead.
        """
        name, value = next(iter(sent.items()))
        echoed = response.get(name)
        if echoed is not None and echoed == value:
            return
        info = self.head(location) if echoed is None else None
        stored_size, stored_sha = (info.size, info.sha256) if info is not None else (-1, None)
        if echoed is None and stored_size == size and stored_sha == digest:
            return
        raise FailClosed(
            OBJECT_DIGEST_MISMATCH,
            f"{location}: the store acknowledged {name}={echoed} ({stored_size} bytes, sha256 "
            f"{stored_sha}), sent {value} for {size} bytes / {digest}",
            {"uri": location.uri, "declared_size": size, "declared_sha256": digest},
        )

    def _resolve_existing(
        self, location: S3Location, digest: str, size: int, data: bytes | None
    ) -> PutOutcome:
        existing = self.head(location)
        if existing is None:
            raise TransientError(
                OBJECT_WRITE_CONTENDED,
                f"{location}: precondition failed but the object is gone (deleted concurrently); retry",
                {"uri": location.uri},
            )
        return self._compare_existing(location, existing, digest, size, data)

    def _compare_existing(
        self, location: S3Location, existing: ObjectInfo, digest: str, size: int, data: bytes | None
    ) -> PutOutcome:
        """ALREADY_PRESENT when the stored object has our bytes, else FailClosed(OBJECT_CONFLICT)."""
        if existing.size != size:
            same = False
        elif existing.sha256 is not None:
            same = existing.sha256 == digest
        elif data is not None:
            same = self.get(location) == data
        else:
            same = self._stored_sha256(location) == digest
        if not same:
            raise FailClosed(
                OBJECT_CONFLICT,
                f"{location} already exists with different bytes; nothing overwritten",
                {
                    "uri": location.uri,
                    "existing_sha256": existing.sha256,
                    "existing_size": existing.size,
                    "new_sha256": digest,
                    "new_size": size,
                },
            )
        return PutOutcome.ALREADY_PRESENT

    def _stored_sha256(self, location: S3Location) -> str:
        """SHA-256 of an object written without the metadata, by streaming it once."""
        hasher = hashlib.sha256()
        with map_s3_errors(location):
            body = self._client.get_object(Bucket=location.bucket, Key=location.key)["Body"]
            try:
                for chunk in body.iter_chunks(_READ_CHUNK):
                    hasher.update(chunk)
            finally:
                body.close()
        return hasher.hexdigest()
