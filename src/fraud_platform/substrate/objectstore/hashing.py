"""Hash bytes as they pass, so a streamed read or upload proves its content in the same pass.

Streaming a large object and hashing it afterwards would mean a second read (or holding it in
memory); these helpers hash each chunk on its way through, with memory bounded by one chunk.

- `iter_hashed(chunks, hasher)` yields the chunks unchanged and feeds each into `hasher`.
- `ChunkReader(chunks)` turns an iterator of chunks into a file-like `read(n)` source (no hashing);
- `HashingReader(chunks)` turns an iterator of chunks (e.g. `ObjectStore.get_stream`) into a
  file-like `read(n)` source (what a multipart upload consumes), hashing and counting as it is read;
  `verify(size, sha256_hex)` then fails closed when the bytes that passed are not the declared ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Protocol

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import OBJECT_DIGEST_MISMATCH

__all__ = [
    "ByteSource",
    "ChunkReader",
    "Hasher",
    "HashingReader",
    "iter_hashed",
    "read_exact",
]


class Hasher(Protocol):
    """The `hashlib` object interface the helpers need (sha256, or any other digest)."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


class ByteSource(Protocol):
    """Anything with a binary `read(n)`: an open file, `io.BytesIO`, a `HashingReader`."""

    def read(self, size: int = -1, /) -> bytes: ...


def iter_hashed(chunks: Iterable[bytes], hasher: Hasher) -> Iterator[bytes]:
    """Yield `chunks` unchanged, feeding each into `hasher` first (the digest is final once exhausted)."""
    for chunk in chunks:
        hasher.update(chunk)
        yield chunk


class ChunkReader:
    """A `read(n)` view over an iterator of chunks that counts what it hands out.

    Holds at most one pending chunk, so memory is bounded by the source's chunk size plus the
    caller's `n`. Not thread-safe (one reader, one consumer).
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self._size = 0
        self._exhausted = False

    @property
    def bytes_read(self) -> int:
        """Bytes handed out so far."""
        return self._size

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (all that remain when `size < 0`); `b""` only at end of stream."""
        if size == 0:
            return b""
        if size < 0:
            parts = [self._pending, *self._chunks]
            self._pending = b""
            self._exhausted = True
            return self._hand_out(b"".join(parts))
        while not self._pending and not self._exhausted:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._exhausted = True
            else:
                self._pending = chunk  # an empty chunk is not end of stream: keep pulling
        out, self._pending = self._pending[:size], self._pending[size:]
        return self._hand_out(out)

    def __iter__(self) -> Iterator[bytes]:
        """The remaining chunks as they come (hashed and counted like `read`)."""
        if self._pending:
            pending, self._pending = self._pending, b""
            yield self._hand_out(pending)
        for chunk in self._chunks:
            yield self._hand_out(chunk)
        self._exhausted = True

    def _hand_out(self, data: bytes) -> bytes:
        self._size += len(data)
        return data


class HashingReader(ChunkReader):
    """A `ChunkReader` that also hashes (SHA-256) every byte it hands out, and can verify the total."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__(chunks)
        self._hasher = hashlib.sha256()

    def hexdigest(self) -> str:
        """SHA-256 of the bytes handed out so far (of the whole source once it is exhausted)."""
        return self._hasher.hexdigest()

    def verify(self, size: int, sha256_hex: str, *, where: str = "") -> None:
        """Fail closed (OBJECT_DIGEST_MISMATCH) unless the source gave exactly `size` bytes with that SHA-256.

        Drains the source first (a longer-than-declared source must not pass as a prefix match).
        """
        for _ in self:
            pass
        actual = self.hexdigest()
        if self._size != size or actual != sha256_hex.lower():
            raise FailClosed(
                OBJECT_DIGEST_MISMATCH,
                f"{where}: read {self._size} bytes with sha256 {actual}, expected {size} / {sha256_hex}",
                {
                    "where": where,
                    "expected_size": size,
                    "expected_sha256": sha256_hex,
                    "actual_size": self._size,
                },
            )

    def _hand_out(self, data: bytes) -> bytes:
        self._hasher.update(data)
        return super()._hand_out(data)


def read_exact(stream: ByteSource, size: int) -> bytes:
    """Read `size` bytes, or fewer only at end of stream (a short `read` is not end of stream,
    e.g. a raw read above 2 GiB on Linux)."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
