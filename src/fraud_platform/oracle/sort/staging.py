"""Local, re-proven copies of an output's source files: the only bytes the sort ever decodes.

Why: the landing manifest records each landed file's size and SHA-256, but an object can be
overwritten after landing (a client that skips If-None-Match; local SeaweedFS cannot forbid it).
Reading the landed Parquet with random access (footer, column chunks) never sees every byte in
order, so it cannot prove them. Instead each source object is streamed once, front to back, into a
file in the sort's spill directory while it is hashed; the copy is used only when its size and
SHA-256 are the landing's, and its footer is the one the sort planned with. DuckDB and the raw-side
digests then read the local copy, so the receipt's raw side is computed from proven bytes in the
same pass that proves them (one SHA-256 per byte, ~0.65 CPU-s per GB).

Memory stays bounded (one chunk per staging worker); disk holds at most one output's sources, and a
copy is deleted as soon as no later window needs it (at once without windows) or when the staging
scope ends, whatever happened. Staging runs on worker threads a few files ahead of the reader, so
the download and hash of the next file overlap the decoding of the current one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort._reasons import STREAM_SORT_SOURCE_CHANGED
from fraud_platform.substrate.objectstore.hashing import iter_hashed

if TYPE_CHECKING:
    from fraud_platform.oracle.sort.source import SourceFile

__all__ = ["StagedSources"]

_CHUNK = 8 * 1024 * 1024
_WORKERS = 2


class StagedSources:
    """Stages source files on demand on worker threads; `close` drops what is still queued.

    Not a general cache: one reader asks for files in its own order (`local_path`), says which it
    will want next (`schedule`) and which it is done with (`release`). Errors of the store or of
    Parquet surface from `local_path` as raised by pyarrow (the caller translates them); a copy
    whose bytes are not the landed ones raises STREAM_SORT_SOURCE_CHANGED.
    """

    def __init__(
        self,
        fs: pafs.FileSystem,
        directory: Path,
        locate: Callable[[str], str],
        check_footer: Callable[[SourceFile, pq.FileMetaData], None],
        *,
        workers: int = _WORKERS,
    ) -> None:
        self._fs = fs
        self._directory = directory
        self._locate = locate
        self._check_footer = check_footer
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fp-stage")
        self._futures: dict[int, Future[Path]] = {}

    def schedule(self, sources: Sequence[SourceFile]) -> None:
        """Start staging these files (in order) unless already started."""
        for source in sources:
            if source.ordinal not in self._futures:
                self._futures[source.ordinal] = self._pool.submit(self._stage, source)

    def local_path(self, source: SourceFile) -> Path:
        """The proven local copy of `source` (staged now if it was not scheduled); raises its refusal."""
        self.schedule([source])
        return self._futures[source.ordinal].result()

    def release(self, source: SourceFile) -> None:
        """Delete the local copy (a later `local_path` stages the file again)."""
        future = self._futures.pop(source.ordinal, None)
        if future is None:
            return
        if future.done() and not future.cancelled() and future.exception() is None:
            future.result().unlink(missing_ok=True)
        else:
            future.cancel()

    def close(self) -> None:
        """Stop staging (queued files are dropped, running ones finish) and forget every copy."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()

    def _stage(self, source: SourceFile) -> Path:
        local = self._directory / f"{source.ordinal:08d}.parquet"
        hasher = hashlib.sha256()
        size = 0
        with self._fs.open_input_stream(self._locate(source.path)) as stream, local.open("wb") as out:
            chunks = iter(lambda: stream.read(_CHUNK), b"")
            for chunk in iter_hashed(chunks, hasher):
                out.write(chunk)
                size += len(chunk)
        if size != source.size or hasher.hexdigest() != source.sha256:
            local.unlink(missing_ok=True)
            raise FailClosed(
                STREAM_SORT_SOURCE_CHANGED,
                f"{source.path} changed after landing: {size} bytes with SHA-256 {hasher.hexdigest()}, "
                f"the landing manifest says {source.size} bytes with {source.sha256}",
                {
                    "path": source.path,
                    "landed_size": source.size,
                    "landed_sha256": source.sha256,
                    "read_size": size,
                    "read_sha256": hasher.hexdigest(),
                },
            )
        self._check_footer(source, pq.read_metadata(local))
        return local
