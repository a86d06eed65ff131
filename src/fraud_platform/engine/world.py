"""A small read port for engine worlds: the same gate verification runs on a local folder or on S3.

Every path is relative to the engine run root and uses `/`. Paths are validated before use (absolute
paths, `..` and stray whitespace raise WORLD_PATH_INVALID), so a hostile index cannot make a reader
escape its root. Readers are read-only and stateless; every call is idempotent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._paths import check_relative_path
from fraud_platform.engine._reasons import WORLD_OBJECT_MISSING, WORLD_PATH_INVALID
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["CHUNK_SIZE", "LocalWorldReader", "S3WorldReader", "WorldReader"]

CHUNK_SIZE = 8 * 1024 * 1024
"""Streamed reads (`iter_chunks`) hold at most this many bytes of a file at once."""


@runtime_checkable
class WorldReader(Protocol):
    """Read access to one engine run root."""

    def read_bytes(self, relative_path: str) -> bytes:
        """The whole file. Raises FailClosed(WORLD_OBJECT_MISSING) when absent, WORLD_PATH_INVALID when unsafe."""
        ...

    def exists(self, relative_path: str) -> bool:
        """Whether a file (not a folder) exists at `relative_path`."""
        ...

    def list(self, relative_prefix: str) -> list[str]:
        """Every file under the folder `relative_prefix` ("" = the whole world), recursively.

        Returns run-root-relative paths, sorted (ASCII). A prefix names a folder: `a/b` lists `a/b/…`,
        never `a/bc`. An absent folder yields an empty list.
        """
        ...


def _folder_prefix(relative_prefix: str) -> str:
    check_relative_path(relative_prefix, what="prefix")
    stripped = relative_prefix.rstrip("/")
    return f"{stripped}/" if stripped else ""


class LocalWorldReader:
    """A world in a local folder (e.g. written by `fp engine synth`)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FailClosed(WORLD_OBJECT_MISSING, f"world root {self.root.name!r} is not a folder")

    def _resolve(self, relative_path: str) -> Path:
        check_relative_path(relative_path)
        if not relative_path:
            raise FailClosed(WORLD_PATH_INVALID, "an empty path names no file")
        resolved = (self.root / relative_path).resolve()
        if resolved != self.root and self.root not in resolved.parents:
            # A symlink inside the world must not lead out of it.
            raise FailClosed(WORLD_PATH_INVALID, f"{relative_path!r} resolves outside the world root")
        return resolved

    def read_bytes(self, relative_path: str) -> bytes:
        path = self._resolve(relative_path)
        if not path.is_file():
            raise FailClosed(WORLD_OBJECT_MISSING, f"{relative_path} is absent", {"path": relative_path})
        return path.read_bytes()

    def iter_chunks(self, relative_path: str) -> Iterator[bytes]:
        """The file streamed in CHUNK_SIZE pieces (for hashing files too large to hold)."""
        path = self._resolve(relative_path)
        if not path.is_file():
            raise FailClosed(WORLD_OBJECT_MISSING, f"{relative_path} is absent", {"path": relative_path})
        return self._chunks(path)

    @staticmethod
    def _chunks(path: Path) -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk

    def exists(self, relative_path: str) -> bool:
        return self._resolve(relative_path).is_file()

    def list(self, relative_prefix: str) -> list[str]:
        prefix = _folder_prefix(relative_prefix)
        folder = self.root / prefix if prefix else self.root
        if not folder.is_dir():
            return []
        found: list[str] = []
        for directory, _subdirs, files in os.walk(folder):
            base = Path(directory).relative_to(self.root).as_posix()
            for name in files:
                found.append(name if base == "." else f"{base}/{name}")
        return sorted(found)


class S3WorldReader:
    """A world under an S3 prefix, read through the object-store port (any adapter, any role)."""

    def __init__(self, store: ObjectStore, root: S3Location) -> None:
        self.store = store
        self.root = S3Location(root.bucket, root.key.strip("/"))

    def _location(self, relative_path: str) -> S3Location:
        check_relative_path(relative_path)
        if not relative_path or relative_path.endswith("/"):
            raise FailClosed(WORLD_PATH_INVALID, f"{relative_path!r} names no file")
        return self.root.child(relative_path)

    def read_bytes(self, relative_path: str) -> bytes:
        location = self._location(relative_path)
        try:
            return self.store.get(location)
        except FailClosed as error:
            if error.code != OBJECT_MISSING:
                raise
            raise FailClosed(
                WORLD_OBJECT_MISSING, f"{relative_path} is absent", {"path": relative_path}
            ) from error

    def iter_chunks(self, relative_path: str) -> Iterator[bytes]:
        """The object streamed in CHUNK_SIZE pieces; absent → FailClosed(WORLD_OBJECT_MISSING)."""
        location = self._location(relative_path)
        if self.store.head(location) is None:
            raise FailClosed(WORLD_OBJECT_MISSING, f"{relative_path} is absent", {"path": relative_path})
        return self.store.get_stream(location, chunk_size=CHUNK_SIZE)

    def exists(self, relative_path: str) -> bool:
        return self.store.head(self._location(relative_path)) is not None

    def list(self, relative_prefix: str) -> list[str]:
        prefix = _folder_prefix(relative_prefix)
        root_key = f"{self.root.key}/" if self.root.key else ""
        listing = S3Location(self.root.bucket, root_key + prefix)
        found: list[str] = []
        for info in self.store.list(listing):
            if not info.key.startswith(listing.key) or info.key.endswith("/"):
                continue  # folder markers and keys outside the prefix are not world files
            found.append(info.key[len(root_key) :])
        return sorted(found)
