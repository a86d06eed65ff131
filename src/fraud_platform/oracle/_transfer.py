"""Landing one file: read it once, hash it, and write it once unless the same bytes are already there.

A small file (up to `IN_MEMORY_MAX` and the budget) is read whole, exactly once: the SHA-256 is
computed on those bytes and the same bytes are uploaded, so nothing is read twice from the source.
A larger file, from a folder or from S3 alike, is hashed in one streaming pass and then streamed to
the store as a multipart upload, which re-hashes what it sends and aborts on any difference
(`OBJECT_DIGEST_MISMATCH`): the store needs the digest before the first byte because it is stored
with the object (metadata `sha256`). Memory is therefore bounded by the budget whatever the file
sizes: an in-memory file takes its size from the budget, a streamed one `STREAMED_COST` (one part
in flight plus one read chunk, with slack for the join), so the budget counts what is really held.

The digest is handed to the store as trusted (`sha256_hex`), so the bytes are hashed once here and
not again by the adapter. The store proves what it kept with a CRC32 of the same buffer
(`StoreChecksum.CRC32`, verified by the store and echoed; parts of a multipart upload likewise),
which costs the server far less than a SHA-256 of every byte; the SHA-256 in the manifest is bound
to it because both digests are of one immutable buffer in this worker. Each landed file is thereby
verified in its worker: a successful put is the store's confirmation of the bytes it stored, and a
skip is decided by a HEAD that compared size and SHA-256.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._reasons import LANDING_CONFLICT, LANDING_SOURCE_CHANGED
from fraud_platform.oracle._store import stored_sha256
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry
from fraud_platform.oracle.sources import LandingSource, SourceFile, hash_stream
from fraud_platform.substrate._reasons import OBJECT_CONFLICT, OBJECT_DIGEST_MISMATCH
from fraud_platform.substrate.objectstore.port import ObjectInfo, ObjectStore, StoreChecksum

__all__ = ["IN_MEMORY_MAX", "STREAMED_COST", "ByteBudget", "FileLander", "LandedFile"]

IN_MEMORY_MAX = 64 * 1024 * 1024
STREAMED_COST = 48 * 1024 * 1024


@dataclass(frozen=True)
class LandedFile:
    """The outcome for one file: its manifest entry and whether bytes were sent."""

    entry: LandingEntry
    uploaded: bool


class ByteBudget:
    """Bounds the bytes held in memory by all workers together (a counting semaphore over bytes)."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("the memory budget must be positive")
        self.capacity = capacity
        self._used = 0
        self._cond = threading.Condition()

    def acquire(self, amount: int) -> int:
        """Block until `amount` (capped at the capacity) fits; returns what was taken."""
        amount = min(amount, self.capacity)
        with self._cond:
            self._cond.wait_for(lambda: self._used + amount <= self.capacity)
            self._used += amount
        return amount

    def release(self, amount: int) -> None:
        with self._cond:
            self._used -= amount
            self._cond.notify_all()


class FileLander:
    """Lands single files of one source into one pack root; safe to call from many threads."""

    def __init__(
        self,
        source: LandingSource,
        store: ObjectStore,
        root: PackRoot,
        existing: dict[str, ObjectInfo],
        budget: ByteBudget,
    ) -> None:
        self._source = source
        self._store = store
        self._root = root
        self._existing = existing
        self._budget = budget

    def land(self, file: SourceFile) -> LandedFile:
        """Land one file; raises LANDING_CONFLICT or LANDING_SOURCE_CHANGED (nothing overwritten)."""
        if file.size <= min(IN_MEMORY_MAX, self._budget.capacity):
            landed = self._land_in_memory(file)
        else:
            taken = self._budget.acquire(STREAMED_COST)
            try:
                landed = self._land_streamed(file)
            finally:
                self._budget.release(taken)
        self._source.confirm_unchanged(file)
        return landed

    def _land_in_memory(self, file: SourceFile) -> LandedFile:
        taken = self._budget.acquire(file.size)
        try:
            data = self._source.read_all(file)
            digest = hashlib.sha256(data).hexdigest()
            entry = LandingEntry(path=file.path, size=file.size, sha256=digest)
            if self._already_there(entry):
                return LandedFile(entry, uploaded=False)
            try:
                self._store.put_if_absent(
                    self._root.child(file.path),
                    data,
                    sha256_hex=digest,
                    store_checksum=StoreChecksum.CRC32,
                )
            except FailClosed as error:
                raise _translate(error, entry) from error
            return LandedFile(entry, uploaded=True)
        finally:
            self._budget.release(taken)

    def _land_streamed(self, file: SourceFile) -> LandedFile:
        with self._source.open_stream(file) as stream:
            digest, size = hash_stream(stream)
        if size != file.size:
            raise FailClosed(LANDING_SOURCE_CHANGED, f"{file.path}: listed {file.size} bytes, read {size}")
        entry = LandingEntry(path=file.path, size=file.size, sha256=digest)
        if self._already_there(entry):
            return LandedFile(entry, uploaded=False)
        with self._source.open_stream(file) as stream:
            try:
                self._store.put_stream_if_absent(
                    self._root.child(file.path), stream, file.size, sha256_hex=digest
                )
            except FailClosed as error:
                raise _translate(error, entry) from error
        return LandedFile(entry, uploaded=True)

    def _already_there(self, entry: LandingEntry) -> bool:
        """True when the destination holds exactly these bytes (a HEAD, never a download)."""
        if entry.path not in self._existing:
            return False
        info = self._store.head(self._root.child(entry.path))
        if info is None:
            return False  # listed at the start, gone now: write it (write-once still guards us)
        if info.size == entry.size and stored_sha256(info) == entry.sha256:
            return True
        raise _conflict(entry, info.size, stored_sha256(info))


def _conflict(entry: LandingEntry, size: int, sha256: str | None) -> FailClosed:
    return FailClosed(
        LANDING_CONFLICT,
        f"{entry.path}: the destination holds other bytes; nothing overwritten",
        {
            "path": entry.path,
            "destination_size": size,
            "destination_sha256": sha256,
            "source_sha256": entry.sha256,
        },
    )


def _translate(error: FailClosed, entry: LandingEntry) -> FailClosed:
    if error.code == OBJECT_CONFLICT:
        return _conflict(entry, int(error.refs.get("existing_size", -1)), error.refs.get("existing_sha256"))
    if error.code == OBJECT_DIGEST_MISMATCH:
        return FailClosed(
            LANDING_SOURCE_CHANGED, f"{entry.path}: bytes changed while uploading", {"path": entry.path}
        )
    return error
