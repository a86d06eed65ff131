"""Landing sources: a local folder or an `s3://` prefix on another endpoint, read-only.

A source lists its files once (the plan), then hands out their bytes; every read re-checks that the
file is still what was listed (size + mtime for a folder, size + ETag for S3, the S3 GET being
conditional on the listed ETag), so a file that changes during a landing is refused rather than
landed half-old, half-new. Both kinds stream: `open_stream` holds at most one chunk (`HASH_CHUNK`)
of a file, however large it is. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._reasons import LANDING_PATH_UNSAFE, LANDING_SOURCE_CHANGED, LANDING_SOURCE_INVALID
from fraud_platform.oracle._store import read_optional
from fraud_platform.oracle.paths import check_landable
from fraud_platform.substrate._reasons import OBJECT_CAS_CONFLICT, OBJECT_MISSING
from fraud_platform.substrate.objectstore.hashing import ByteSource, ChunkReader, read_exact
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "HASH_CHUNK",
    "LandingSource",
    "LocalFolderSource",
    "S3PrefixSource",
    "SourceFile",
    "hash_stream",
    "open_source",
]

HASH_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One file as listed: relative path, size, and a change stamp (mtime_ns or ETag)."""

    path: str
    size: int
    stamp: str


class LandingSource(Protocol):
    """Where a world is landed from. Implementations never modify the source."""

    @property
    def uri(self) -> str:
        """Where the source is, for people and evidence (never part of an identity)."""
        ...

    def list_files(self) -> list[SourceFile]:
        """Every file, sorted by path; unsafe or reserved paths fail closed before anything is read."""
        ...

    def read_optional(self, path: str) -> bytes | None:
        """A small file's bytes, or None when absent (for `run_receipt.json`)."""
        ...

    def read_all(self, file: SourceFile) -> bytes:
        """The file's bytes, read once; LANDING_SOURCE_CHANGED when it differs from the listing."""
        ...

    def open_stream(self, file: SourceFile) -> AbstractContextManager[ByteSource]:
        """A binary stream of the file, read lazily (memory bounded by one chunk, never the file)."""
        ...

    def confirm_unchanged(self, file: SourceFile) -> None:
        """Raise LANDING_SOURCE_CHANGED when the file no longer matches its listing."""
        ...


def _changed(file: SourceFile, detail: str) -> FailClosed:
    return FailClosed(LANDING_SOURCE_CHANGED, f"{file.path}: {detail}", {"path": file.path})


class LocalFolderSource:
    """A world on a local disk. Symlinks are followed only when they resolve inside the folder."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise FailClosed(LANDING_SOURCE_INVALID, f"not a folder: {root}", {"source": str(root)})
        self._root = root.resolve()

    @property
    def uri(self) -> str:
        return str(self._root)

    def list_files(self) -> list[SourceFile]:
        files = sorted(self._walk(self._root, ""), key=lambda file: file.path)
        if not files:
            raise FailClosed(LANDING_SOURCE_INVALID, f"the source folder is empty: {self._root}")
        return files

    def _walk(self, folder: Path, prefix: str) -> Iterator[SourceFile]:
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = check_landable(prefix + entry.name)
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    yield self._symlinked_file(Path(entry.path), relative)
                elif stat.S_ISDIR(info.st_mode):
                    yield from self._walk(Path(entry.path), relative + "/")
                elif stat.S_ISREG(info.st_mode):
                    yield SourceFile(relative, info.st_size, str(info.st_mtime_ns))
                else:
                    raise FailClosed(
                        LANDING_PATH_UNSAFE, f"not a regular file: {relative}", {"path": relative}
                    )

    def _symlinked_file(self, link: Path, relative: str) -> SourceFile:
        target = link.resolve()
        if not target.is_relative_to(self._root):
            raise FailClosed(
                LANDING_PATH_UNSAFE, f"symlink leaves the source: {relative}", {"path": relative}
            )
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            raise FailClosed(
                LANDING_PATH_UNSAFE, f"symlink to a folder or a special file: {relative}", {"path": relative}
            )
        return SourceFile(relative, info.st_size, str(info.st_mtime_ns))

    def _path(self, relative: str) -> Path:
        return self._root.joinpath(*relative.split("/"))

    def read_optional(self, path: str) -> bytes | None:
        target = self._path(check_landable(path))
        return target.read_bytes() if target.is_file() else None

    def read_all(self, file: SourceFile) -> bytes:
        with self.open_stream(file) as stream:
            data = read_exact(stream, file.size + 1)  # one byte more than listed reveals growth
        if len(data) != file.size:
            raise _changed(file, f"listed {file.size} bytes, read {len(data)}")
        self.confirm_unchanged(file)
        return data

    @contextmanager
    def open_stream(self, file: SourceFile) -> Iterator[ByteSource]:
        with open(self._path(file.path), "rb", buffering=0) as stream:
            self._compare(file, os.fstat(stream.fileno()))
            yield stream

    def confirm_unchanged(self, file: SourceFile) -> None:
        try:
            info = os.stat(self._path(file.path))
        except FileNotFoundError as error:
            raise _changed(file, "deleted during landing") from error
        self._compare(file, info)

    @staticmethod
    def _compare(file: SourceFile, info: os.stat_result) -> None:
        if info.st_size != file.size or str(info.st_mtime_ns) != file.stamp:
            raise _changed(file, "size or mtime differ from the listing")


class S3PrefixSource:
    """A world under an `s3://` prefix of another endpoint, read with that profile's credentials."""

    def __init__(self, store: ObjectStore, prefix: S3Location) -> None:
        key = prefix.key.strip("/")
        self._store = store
        self._prefix = S3Location(prefix.bucket, key + "/" if key else "")

    @property
    def uri(self) -> str:
        return self._prefix.uri

    def list_files(self) -> list[SourceFile]:
        files: list[SourceFile] = []
        for info in self._store.list(self._prefix):
            relative = info.key[len(self._prefix.key) :]
            if relative.endswith("/") and info.size == 0:
                continue  # a folder marker some S3 tools create; it holds no bytes
            files.append(SourceFile(check_landable(relative), info.size, info.etag))
        if not files:
            raise FailClosed(LANDING_SOURCE_INVALID, f"no objects under {self._prefix.uri}")
        return sorted(files, key=lambda file: file.path)

    def read_optional(self, path: str) -> bytes | None:
        return read_optional(self._store, self._prefix.child(check_landable(path)))

    def read_all(self, file: SourceFile) -> bytes:
        data, etag = self._store.get_with_etag(self._prefix.child(file.path))
        if len(data) != file.size or etag != file.stamp:
            raise _changed(file, "size or ETag differ from the listing")
        return data

    @contextmanager
    def open_stream(self, file: SourceFile) -> Iterator[ByteSource]:
        """The object's bytes as they arrive, served only while its ETag is the listed one."""
        location = self._prefix.child(file.path)
        try:
            chunks = self._store.get_stream(location, chunk_size=HASH_CHUNK, if_match=file.stamp)
        except FailClosed as error:
            if error.code in (OBJECT_CAS_CONFLICT, OBJECT_MISSING):
                raise _changed(file, "changed or deleted since it was listed") from error
            raise
        try:
            yield ChunkReader(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def confirm_unchanged(self, file: SourceFile) -> None:
        info = self._store.head(self._prefix.child(file.path))
        if info is None:
            raise _changed(file, "deleted during landing")
        if info.size != file.size or info.etag != file.stamp:
            raise _changed(file, "size or ETag differ from the listing")


def hash_stream(stream: ByteSource) -> tuple[str, int]:
    """SHA-256 and length of a stream, read in large chunks (hashlib releases the GIL on them)."""
    digest = hashlib.sha256()
    total = 0
    while chunk := stream.read(HASH_CHUNK):
        digest.update(chunk)
        total += len(chunk)
    return digest.hexdigest(), total


def open_source(spec: str, store: ObjectStore | None) -> LandingSource:
    """A source from `--source`: an `s3://` prefix (needs the source profile's store) or a folder."""
    if spec.startswith("s3://"):
        if store is None:
            raise FailClosed(LANDING_SOURCE_INVALID, "an s3:// source needs an object store for its profile")
        return S3PrefixSource(store, S3Location.parse(spec))
    return LocalFolderSource(Path(spec))
