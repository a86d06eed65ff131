"""The object-store port: write-once is part of the contract, pointer moves are compare-and-swap.

Every implementation guarantees:
- `put_if_absent` never overwrites: identical bytes already there → `PutOutcome.ALREADY_PRESENT`
  (idempotent success); different bytes → `FailClosed(OBJECT_CONFLICT)`.
- `put_if_match` writes only when the current ETag equals the expected one (or, with
  `expected_etag=None`, only when absent) and raises `FailClosed(OBJECT_CAS_CONFLICT)` otherwise.
- Missing objects raise `FailClosed(OBJECT_MISSING)` (a missing bucket `OBJECT_BUCKET_MISSING`);
  denied calls `FailClosed(OBJECT_ACCESS_DENIED)`; an unreachable endpoint or a 5xx
  `TransientError(OBJECT_STORE_UNAVAILABLE)`; a concurrent conditional write still in flight
  `TransientError(OBJECT_WRITE_CONTENDED)` (retry to learn the winner).
- Every object written through the port carries its SHA-256 as user metadata `sha256`.
- Large objects are read with `get_stream` (chunked; memory bounded by one chunk) or `get_range`;
  `get`/`get_with_etag` are for documents that fit in memory. A range outside the object raises
  `FailClosed(OBJECT_RANGE_INVALID)`.
- One instance may be shared by a thread pool.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlparse

from fraud_platform.config.settings import S3Credentials  # config owns the settings types; re-exported
from fraud_platform.substrate.objectstore.hashing import ByteSource

__all__ = [
    "DEFAULT_STREAM_CHUNK",
    "ObjectInfo",
    "ObjectStore",
    "PutOutcome",
    "S3Credentials",
    "S3Location",
    "StoreChecksum",
]

DEFAULT_STREAM_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class S3Location:
    """A bucket and key (or prefix); renders as `s3://bucket/key`."""

    bucket: str
    key: str = ""

    @classmethod
    def parse(cls, uri: str) -> S3Location:
        """Parse `s3://bucket/key`; raises ValueError for any other scheme."""
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"not an s3:// URI: {uri!r}")
        return cls(parsed.netloc, parsed.path.lstrip("/"))

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def child(self, relative: str) -> S3Location:
        """The location of `relative` under this prefix (joined with exactly one slash)."""
        base = self.key.rstrip("/")
        return S3Location(self.bucket, f"{base}/{relative.lstrip('/')}" if base else relative.lstrip("/"))

    def __str__(self) -> str:
        return self.uri


class PutOutcome(enum.Enum):
    """Result of a write-once put."""

    CREATED = "created"
    ALREADY_PRESENT = "already_present"


class StoreChecksum(enum.Enum):
    """Which checksum of the body the store itself verifies on a write-once PUT.

    `SHA256`: the store proves the caller's SHA-256 (it hashes every byte; the costliest for the
    server). `CRC32`: the store proves a CRC32 the adapter computes from the same buffer, and the
    caller's SHA-256 is bound to it by having hashed that very buffer (cheap for the server; use it
    when the caller computed the SHA-256 itself from `data`, as the landing does).
    """

    SHA256 = "sha256"
    CRC32 = "crc32"


@dataclass(frozen=True)
class ObjectInfo:
    """What a HEAD or LIST says about an object."""

    key: str
    size: int
    etag: str
    sha256: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class ObjectStore(Protocol):
    """Port to an S3-API object store, bound to one role's credentials."""

    role: str

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
        """Write once with `If-None-Match: *`; idempotent for identical bytes. Blocks until durable.

        `sha256_hex` is the caller's SHA-256 of `data` (a caller that hashed the bytes anyway saves a
        second pass over them); it is trusted, not recomputed, but the store itself checks it against
        the body it receives: a wrong one raises `FailClosed(OBJECT_DIGEST_MISMATCH)` and writes
        nothing. Either outcome is a proof, so a caller needs no HEAD afterwards: `CREATED` means the
        store confirmed it holds exactly `len(data)` bytes with that SHA-256, `ALREADY_PRESENT` that
        the stored size and SHA-256 were compared with ours. With `store_checksum=CRC32` the store
        proves a CRC32 of `data` instead, and a wrong `sha256_hex` is the caller's error (it is
        stored as given): pass CRC32 only with a digest computed from `data` itself.
        """
        ...

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
        """Write-once upload of a large body (multipart above the threshold), SHA-256 stored with it.

        Same outcomes (and the same proof) as `put_if_absent`; bytes that do not match
        `size`/`sha256_hex` raise `FailClosed(OBJECT_DIGEST_MISMATCH)` and leave nothing behind.
        """
        ...

    def put_if_match(self, location: S3Location, data: bytes, expected_etag: str | None) -> str:
        """Compare-and-swap write; returns the new ETag. `expected_etag=None` means must-not-exist."""
        ...

    def get(self, location: S3Location) -> bytes:
        """Read a whole object."""
        ...

    def get_with_etag(self, location: S3Location) -> tuple[bytes, str]:
        """Read a whole object and its ETag (for a later compare-and-swap)."""
        ...

    def get_stream(
        self, location: S3Location, *, chunk_size: int = DEFAULT_STREAM_CHUNK, if_match: str | None = None
    ) -> Iterator[bytes]:
        """Read an object as chunks of at most `chunk_size` bytes (memory bounded by one chunk).

        With `if_match` (an ETag from a listing) the store serves the bytes only while the object
        still has that ETag, else `FailClosed(OBJECT_CAS_CONFLICT)`: a reader gets the listed object
        or nothing, never a newer one.

        The request is made when this is called, so a missing object raises
        `FailClosed(OBJECT_MISSING)` here, not on the first `next()`. A body cut short raises while
        iterating. Consume the iterator to the end or `close()` it (that releases the connection).
        Wrap it in `iter_hashed`/`HashingReader` to prove the bytes in the same pass.
        """
        ...

    def get_range(self, location: S3Location, start: int, length: int) -> bytes:
        """Exactly `length` bytes from offset `start`; anything else is `FailClosed(OBJECT_RANGE_INVALID)`.

        `start < 0`, `length < 1`, or a range that ends past the object's last byte is refused,
        never silently shortened.
        """
        ...

    def head(self, location: S3Location) -> ObjectInfo | None:
        """Metadata of an object, or None when absent."""
        ...

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        """Every object under `prefix`, in key order (keys are full keys, not relative)."""
        ...

    def delete(self, location: S3Location) -> None:
        """Delete one object (only the operator role is allowed to, by policy)."""
        ...
