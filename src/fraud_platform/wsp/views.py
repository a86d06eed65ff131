"""Reading one committed stream view: exactly its parts, in order, each proven by SHA-256 before use.

The view manifest READY names is read by URI and must hash to the SHA-256 READY (and the closure
receipt) recorded; its parts are then read in manifest order and nothing else is ever listed. Each
part is streamed through `HashingReader` into a private temporary file (memory bounded by one chunk),
verified against its size and SHA-256, and only then opened by pyarrow and read in record batches, so
no row of a damaged part ever reaches IG and memory stays bounded whatever the view's size.
Parts wholly before a checkpoint are skipped without being read.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.objectstore.hashing import HashingReader
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.wsp._reasons import WSP_VIEW_MANIFEST_MISMATCH
from fraud_platform.wsp.locator import ViewRef

__all__ = ["ViewBatch", "ViewManifest", "ViewPartRef", "iter_view_batches", "read_view_manifest"]

_HEX64 = r"^[0-9a-f]{64}$"
_COPY_CHUNK = 1 << 20


class _Reader(BaseModel):
    # Reads the fields WSP relies on from the Oracle's view manifest (fp.oracle.stream_view_manifest.v1);
    # the manifest's integrity comes from its SHA-256, not from this model.
    model_config = ConfigDict(extra="ignore", frozen=True)


class ViewPartRef(_Reader):
    """One part of the view: name relative to the view folder, rows, size and SHA-256."""

    name: str = Field(min_length=1)
    rows: int = Field(ge=0)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=_HEX64)


class ViewManifest(_Reader):
    """What WSP needs of a view manifest."""

    schema_version: str
    stream_view_id: str = Field(pattern=_HEX64)
    output_id: str
    attempt_id: str
    row_count: int = Field(ge=0)
    parts: list[ViewPartRef]


@dataclass(frozen=True)
class ViewBatch:
    """Rows `[first_row, first_row + batch.num_rows)` of the view, in view order."""

    first_row: int
    batch: pa.RecordBatch


def read_view_manifest(store: ObjectStore, ref: ViewRef) -> ViewManifest:
    """The view manifest READY names, proven by SHA-256 and bound to the locator; FailClosed otherwise."""
    receipt = store.get(S3Location.parse(ref.receipt_uri))
    if hashlib.sha256(receipt).hexdigest() != ref.receipt_sha256:
        raise FailClosed(
            WSP_VIEW_MANIFEST_MISMATCH,
            f"the closure receipt of {ref.output_id} is not the one READY names",
            {"receipt_uri": ref.receipt_uri},
        )
    data = store.get(S3Location.parse(ref.view_manifest_uri))
    if hashlib.sha256(data).hexdigest() != ref.view_manifest_sha256:
        raise FailClosed(
            WSP_VIEW_MANIFEST_MISMATCH,
            f"the view manifest of {ref.output_id} is not the one READY names",
            {"view_manifest_uri": ref.view_manifest_uri},
        )
    try:
        manifest = ViewManifest.model_validate_json(data)
    except ValidationError as error:
        raise FailClosed(
            WSP_VIEW_MANIFEST_MISMATCH, f"the view manifest of {ref.output_id} does not parse"
        ) from error
    problems = [
        name
        for name, ok in (
            ("output_id", manifest.output_id == ref.output_id),
            ("stream_view_id", manifest.stream_view_id == ref.stream_view_id),
            ("attempt_id", manifest.attempt_id == ref.attempt_id),
            ("row_count", sum(part.rows for part in manifest.parts) == manifest.row_count),
            (
                "parts",
                all(
                    part.name.startswith(ref.attempt_prefix) and ".." not in part.name.split("/")
                    for part in manifest.parts
                ),
            ),
        )
        if not ok
    ]
    if problems:
        raise FailClosed(
            WSP_VIEW_MANIFEST_MISMATCH,
            f"the view manifest of {ref.output_id} does not match its locator: {problems}",
            {"view_manifest_uri": ref.view_manifest_uri, "fields": problems},
        )
    return manifest


def iter_view_batches(
    store: ObjectStore,
    ref: ViewRef,
    manifest: ViewManifest,
    *,
    start_row: int,
    stop_row: int,
    batch_rows: int,
    scratch: Path | None = None,
) -> Generator[ViewBatch, None, None]:
    """Rows `[start_row, stop_row)` of the view in order, at most `batch_rows` per batch.

    Raises FailClosed(OBJECT_DIGEST_MISMATCH) for a part whose bytes are not the recorded ones, and
    WSP_VIEW_MANIFEST_MISMATCH for a part whose row count differs from the manifest's.
    """
    if start_row >= stop_row:
        return
    part_first = 0
    for part in manifest.parts:
        part_stop = part_first + part.rows
        if part_stop <= start_row or part.rows == 0:
            part_first = part_stop
            continue
        if part_first >= stop_row:
            return
        with tempfile.TemporaryDirectory(prefix="fp-wsp-", dir=scratch) as folder:
            path = Path(folder) / "part.parquet"
            _fetch_verified(store, S3Location.parse(ref.view_dir_uri + part.name), part, path)
            parquet = pq.ParquetFile(path)
            if parquet.metadata.num_rows != part.rows:
                raise FailClosed(
                    WSP_VIEW_MANIFEST_MISMATCH,
                    f"part {part.name} holds {parquet.metadata.num_rows} rows, the manifest says {part.rows}",
                )
            row = part_first
            for batch in parquet.iter_batches(batch_size=batch_rows):
                lo = max(start_row, row) - row
                hi = min(stop_row, row + batch.num_rows) - row
                if hi > lo:
                    yield ViewBatch(row + lo, batch.slice(lo, hi - lo))
                row += batch.num_rows
                if row >= stop_row:
                    break
        part_first = part_stop


def _fetch_verified(store: ObjectStore, location: S3Location, part: ViewPartRef, path: Path) -> None:
    reader = HashingReader(store.get_stream(location))
    with path.open("wb") as sink:
        for chunk in reader:
            sink.write(chunk)
    reader.verify(part.size, part.sha256, where=location.uri)
