"""Reading a landed world through its landing manifest, so nothing is trusted that was not landed.

`LandedWorldReader` is the engine package's `WorldReader` port over a pack root, bound to the
committed landing: listings come from the manifest (no S3 LIST, and an object added after the
commit is invisible), and every file read is checked against the manifest's size and SHA-256, so
a gate can only PASS on exactly the bytes that were landed. A landed object that went missing or
changed afterwards is ORACLE_VERIFY_FAILED: damage to the landing, not a verdict on the world.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._paths import check_relative_path
from fraud_platform.engine._reasons import RUN_RECEIPT_INVALID, RUN_RECEIPT_MISSING, WORLD_OBJECT_MISSING
from fraud_platform.engine.catalogue import EngineCatalogue
from fraud_platform.engine.receipt import RUN_RECEIPT_NAME, RunReceipt, parse_run_receipt
from fraud_platform.engine.world import CHUNK_SIZE
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle._reasons import ORACLE_VERIFY_FAILED
from fraud_platform.oracle._store import read_optional
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry, LandingManifest
from fraud_platform.oracle.pack import ENGINE_RELEASE_UNKNOWN
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.hashing import iter_hashed
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["LandedWorldReader", "engine_release_of", "gate_folders", "read_landed_receipt"]


class LandedWorldReader:
    """A `WorldReader` over a pack root whose every answer comes from, or is checked against, the landing."""

    def __init__(self, store: ObjectStore, root: PackRoot, manifest: LandingManifest) -> None:
        self._store = store
        self._root = root
        self._entries = manifest.by_path()
        self._paths = sorted(self._entries)
        self._cache: dict[str, bytes] = {}

    def prefetch(self, folders: Iterable[str], *, workers: int) -> None:
        """Read (and verify) every landed file under `folders` in parallel, for the reads to come.

        Gate verification reads bundle files one by one; on S3 each read is a round trip, so the
        bundles of a whole gate closure are fetched at once instead. Bundles are small.
        """
        paths = sorted({path for folder in folders for path in self.list(folder)} - set(self._cache))
        for path, data in zip(paths, run_bounded(paths, self._fetch, workers=workers), strict=True):
            self._cache[path] = data

    def read_bytes(self, relative_path: str) -> bytes:
        check_relative_path(relative_path)
        cached = self._cache.get(relative_path)
        return cached if cached is not None else self._fetch(relative_path)

    def iter_chunks(self, relative_path: str) -> Iterator[bytes]:
        """The landed file as chunks (memory bounded by one chunk), proven against the landing.

        The bytes are hashed as they pass; a size or SHA-256 that differs from the landing raises
        ORACLE_VERIFY_FAILED after the last chunk, so a caller that reads the stream to its end (as
        every digest does) never accepts bytes other than those landed. Large gate members (3A's
        datasets) are read this way instead of whole.
        """
        check_relative_path(relative_path)
        cached = self._cache.get(relative_path)
        if cached is not None:
            yield cached
            return
        entry = self._entry(relative_path)
        try:
            chunks = self._store.get_stream(self._root.child(relative_path), chunk_size=CHUNK_SIZE)
        except FailClosed as error:
            if error.code != OBJECT_MISSING:
                raise
            raise self._gone(relative_path) from error
        hasher = hashlib.sha256()
        size = 0
        for chunk in iter_hashed(chunks, hasher):
            size += len(chunk)
            yield chunk
        self._require_landed(relative_path, entry, size, hasher.hexdigest())

    def _entry(self, relative_path: str) -> LandingEntry:
        entry = self._entries.get(relative_path)
        if entry is None:
            raise FailClosed(
                WORLD_OBJECT_MISSING, f"{relative_path} is not in the landing", {"path": relative_path}
            )
        return entry

    @staticmethod
    def _gone(relative_path: str) -> FailClosed:
        return FailClosed(
            ORACLE_VERIFY_FAILED, f"{relative_path} was landed but is gone", {"path": relative_path}
        )

    @staticmethod
    def _require_landed(relative_path: str, entry: LandingEntry, size: int, sha256: str) -> None:
        if size != entry.size or sha256 != entry.sha256:
            raise FailClosed(
                ORACLE_VERIFY_FAILED,
                f"{relative_path} differs from the bytes that were landed",
                {"path": relative_path, "landed_sha256": entry.sha256},
            )

    def _fetch(self, relative_path: str) -> bytes:
        entry = self._entry(relative_path)
        data = read_optional(self._store, self._root.child(relative_path))
        if data is None:
            raise self._gone(relative_path)
        self._require_landed(relative_path, entry, len(data), hashlib.sha256(data).hexdigest())
        return data

    def exists(self, relative_path: str) -> bool:
        check_relative_path(relative_path)
        return relative_path in self._entries

    def list(self, relative_prefix: str) -> list[str]:
        check_relative_path(relative_prefix, what="prefix")
        folder = relative_prefix.rstrip("/")
        if not folder:
            return list(self._paths)
        return [path for path in self._paths if path.startswith(folder + "/")]


def read_landed_receipt(reader: LandedWorldReader) -> tuple[RunReceipt, dict[str, Any]]:
    """The landed `run_receipt.json`, validated, and its raw document (for optional fields)."""
    if not reader.exists(RUN_RECEIPT_NAME):
        raise FailClosed(RUN_RECEIPT_MISSING, "the landed world has no run_receipt.json")
    data = reader.read_bytes(RUN_RECEIPT_NAME)
    receipt = parse_run_receipt(data)
    return receipt, parse_json_bytes(data)


def engine_release_of(document: dict[str, Any]) -> str:
    """`engine_release` from the run receipt; "unknown" when the receipt has none (a malformed one fails)."""
    if "engine_release" not in document:
        return ENGINE_RELEASE_UNKNOWN
    value = document["engine_release"]
    if not isinstance(value, str) or not value or value.strip() != value:
        raise FailClosed(RUN_RECEIPT_INVALID, "run_receipt.json: engine_release must be a non-empty string")
    return value


def gate_folders(
    catalogue: EngineCatalogue, output_ids: Iterable[str], manifest_fingerprint: str
) -> list[str]:
    """The bundle folders of every gate the outputs need (their closure), for `prefetch`."""
    return [gate.bundle_root(manifest_fingerprint) for gate in catalogue.gates_for_outputs(output_ids)]
