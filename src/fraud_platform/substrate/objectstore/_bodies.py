"""Body checksums and stream helpers of the boto3 adapter (split out of `s3.py`).

Two checksums the store verifies against the body it receives (a mismatch is `BadDigest`, nothing
stored) and echoes in its response, which makes a successful PUT a proof of the bytes kept:
- `ChecksumSHA256`: the store proves the caller's SHA-256 itself (strongest, costs the server a
  SHA-256 pass over every byte);
- `ChecksumCRC32`: the store proves a CRC32 the adapter computed from the very buffer the caller
  hashed with SHA-256. Measured on SeaweedFS 4.48: a wrong CRC32 is refused (`BadDigest`) on single
  PUTs and on parts, and the server spends about what it spends without any checksum. The SHA-256 is
  bound to it by construction (both digests of one immutable buffer, in one process), not by the
  store. Multipart parts always carry a CRC32 (they never carried a SHA-256 the store could check).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import OBJECT_DIGEST_MISMATCH
from fraud_platform.substrate.objectstore.hashing import read_exact
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = [
    "SHA256_METADATA_KEY",
    "b64_crc32",
    "b64_sha256",
    "check_body",
    "hex_from_checksum",
    "read_exact",
    "with_sha256",
]

SHA256_METADATA_KEY = "sha256"


def b64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def b64_crc32(data: bytes) -> str:
    """The S3 `ChecksumCRC32` of `data` (big-endian CRC-32/ISO-HDLC, base64)."""
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode("ascii")


def hex_from_checksum(checksum: str | None) -> str | None:
    """Hex of an S3 checksum header, unless it is a multipart composite (`…-N`)."""
    if not checksum or "-" in checksum:
        return None
    return base64.b64decode(checksum).hex()


def with_sha256(metadata: Mapping[str, str] | None, digest: str) -> dict[str, str]:
    merged = {str(key).lower(): str(value) for key, value in (metadata or {}).items()}
    claimed = merged.get(SHA256_METADATA_KEY)
    if claimed is not None and claimed.lower() != digest:
        raise ValueError(f"metadata sha256 {claimed!r} does not match the body's SHA-256 {digest}")
    merged[SHA256_METADATA_KEY] = digest
    return merged


def check_body(location: S3Location, actual_size: int, actual_sha: str, size: int, declared: str) -> None:
    if actual_size != size or actual_sha != declared:
        raise FailClosed(
            OBJECT_DIGEST_MISMATCH,
            f"{location}: stream gave {actual_size} bytes with sha256 {actual_sha}, declared {size} / {declared}",
            {"uri": location.uri, "declared_size": size, "declared_sha256": declared},
        )
