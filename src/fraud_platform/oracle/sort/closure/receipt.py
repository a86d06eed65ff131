"""The closure proof of a stream view: its documents and the rule that decides whether it holds.

A view is committed by `_stream_sort_receipt.json` (written last, write-once). The receipt binds the
view to its pack (`oracle_pack_id`, world key), its output and sort keys (`stream_view_id`), the raw
source files (by the SHA-256 the landing recorded) and exactly one attempt: `attempt_id`, the parts
written under `attempt={attempt_id}/` and that attempt's view manifest by name and SHA-256 (nothing
outside the attempt folder, so orphan attempts beside it are never read). It proves:

- raw and sorted hold the same rows: equal `row_count`, equal multiset digests (sum of fprow1 row
  digests mod 2^bits, the row hash named in `row_digest`; see `closure_digest` and
  `closure_encoding`), equal min and max sort key;
- the sorted side is in order: its sort keys never decrease (checked on the rows read back), and
  its ordered digest pins that exact sequence for anyone who recomputes it;
- the parts add up: their rows sum to the sorted row count and each is listed with its SHA-256.

The sorted side is always recomputed from the parts as read back from the store, never carried
over from the sort, so a part lost or damaged on the way is caught before the commit.
`stream_view_id` = sha256(cj1 {oracle_pack_id, output_id, sort_keys}): no location in it, so a view
copied to another root is the same view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._models import HEX64, StrictModel, document_bytes, parse_document
from fraud_platform.oracle.layout import view_manifest_name
from fraud_platform.oracle.pack import WorldKey
from fraud_platform.oracle.sort._reasons import STREAM_SORT_CLOSURE_FAILED, STREAM_SORT_CONFLICT
from fraud_platform.oracle.sort.closure.digest import ROW_HASH_BITS

__all__ = [
    "DIGEST_RULE",
    "RECEIPT_SCHEMA",
    "TIE_BREAKERS",
    "VIEW_MANIFEST_SCHEMA",
    "DocumentRef",
    "RowDigestSpec",
    "SideSummary",
    "SourceFileRef",
    "StreamSortReceipt",
    "StreamViewManifest",
    "ViewColumn",
    "ViewPart",
    "WriterSpec",
    "closure_problems",
    "compute_stream_view_id",
    "parse_receipt",
    "parse_view_manifest",
    "require_closure",
]

RECEIPT_SCHEMA = "fp.oracle.stream_sort_receipt.v1"
VIEW_MANIFEST_SCHEMA = "fp.oracle.stream_view_manifest.v1"
DIGEST_RULE = "sum of row digests mod 2^bits; ordered: sum of hash(position ':' row digest hex)"
_DIGEST_HEX = r"^[0-9a-f]{32}([0-9a-f]{32})?$"
# Tie-breakers after the sort keys: the source file's path relative to the pack root (ASCII order),
# then the row's 0-based index within that file. They order the view but are not written into it.
TIE_BREAKERS: tuple[str, ...] = ("source_path", "row_index")

KeyScalar = str | int | bool


def compute_stream_view_id(oracle_pack_id: str, output_id: str, sort_keys: Sequence[str]) -> str:
    """sha256(cj1 {"oracle_pack_id", "output_id", "sort_keys"}): the view's identity on any root."""
    return sha256_hex(
        canonical_bytes(
            {"oracle_pack_id": oracle_pack_id, "output_id": output_id, "sort_keys": list(sort_keys)}
        )
    )


class RowDigestSpec(StrictModel):
    """How a row digest is computed (closure_encoding, closure_digest); unknown specs are refused."""

    hash: Literal["md5", "sha256"]
    bits: Literal[128, 256]
    encoding: Literal["fprow1"] = "fprow1"
    rule: Literal["sum of row digests mod 2^bits; ordered: sum of hash(position ':' row digest hex)"] = (
        "sum of row digests mod 2^bits; ordered: sum of hash(position ':' row digest hex)"
    )

    @classmethod
    def named(cls, row_hash: str) -> RowDigestSpec:
        return cls.model_validate({"hash": row_hash, "bits": ROW_HASH_BITS[row_hash]})


class SideSummary(StrictModel):
    """Facts of one side (raw: the source files in source order; sorted: the view as read back)."""

    row_count: int = Field(ge=0)
    min: list[KeyScalar] | None = Field(description="smallest sort key (one value per key); null if empty")
    max: list[KeyScalar] | None = Field(description="largest sort key; null if empty")
    multiset_digest: str = Field(pattern=_DIGEST_HEX)
    ordered_digest: str | None = Field(
        pattern=_DIGEST_HEX,
        description="over the view's order (sorted side); null on the raw side, whose order the "
        "sources' SHA-256 already pin",
    )
    keys_non_decreasing: bool | None = Field(
        default=None, description="checked on the sorted side only (null on the raw side)"
    )


class ViewPart(StrictModel):
    """One written part; `name` is relative to the view folder (`attempt=…/part-000000.parquet`)."""

    name: str = Field(min_length=1)
    rows: int = Field(ge=0)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=HEX64)


class SourceFileRef(StrictModel):
    """One raw source file, by its path under the pack root and the SHA-256 its landing recorded."""

    path: str = Field(min_length=1)
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=HEX64)


class ViewColumn(StrictModel):
    """A column of the view (the source's schema, in source order)."""

    name: str
    type: str


class WriterSpec(StrictModel):
    """The deterministic Parquet writer settings the parts were written with."""

    library: str
    compression: str
    row_group_rows: int = Field(gt=0)
    part_rows: int = Field(gt=0)


class DocumentRef(StrictModel):
    """Another object of the view, by name (relative to the view folder) and SHA-256 of its bytes."""

    name: str
    sha256: str = Field(pattern=HEX64)


class StreamViewManifest(StrictModel):
    """`attempt={attempt_id}/_stream_view_manifest.json`: what a proven attempt wrote, just before the receipt."""

    schema_version: Literal["fp.oracle.stream_view_manifest.v1"] = "fp.oracle.stream_view_manifest.v1"
    stream_view_id: str = Field(pattern=HEX64)
    oracle_pack_id: str = Field(pattern=HEX64)
    output_id: str
    world_key: WorldKey
    sort_keys: list[str] = Field(min_length=1)
    tie_breakers: list[str]
    attempt_id: str = Field(pattern=r"^[0-9a-f]{16,64}$")
    window_days: int | None = Field(default=None, ge=1)
    row_count: int = Field(ge=0)
    columns: list[ViewColumn]
    writer: WriterSpec
    parts: list[ViewPart]

    def to_bytes(self) -> bytes:
        return document_bytes(self)

    def binding_problems(self, oracle_pack_id: str, output_id: str, sort_keys: Sequence[str]) -> list[str]:
        """Why this manifest does not belong to (pack, output, sort keys); empty when it does."""
        return _binding_problems(self, oracle_pack_id, output_id, sort_keys)


class StreamSortReceipt(StrictModel):
    """`_stream_sort_receipt.json`: the closure receipt, commit object of the view."""

    schema_version: Literal["fp.oracle.stream_sort_receipt.v1"] = "fp.oracle.stream_sort_receipt.v1"
    stream_view_id: str = Field(pattern=HEX64)
    oracle_pack_id: str = Field(pattern=HEX64)
    output_id: str
    world_key: WorldKey
    sort_keys: list[str] = Field(min_length=1)
    tie_breakers: list[str]
    row_digest: RowDigestSpec
    window_days: int | None = Field(default=None, ge=1)
    attempt_id: str = Field(pattern=r"^[0-9a-f]{16,64}$")
    manifest: DocumentRef
    sources: list[SourceFileRef]
    raw: SideSummary
    sorted: SideSummary
    parts: list[ViewPart]

    def to_bytes(self) -> bytes:
        return document_bytes(self)

    def binding_problems(self, oracle_pack_id: str, output_id: str, sort_keys: Sequence[str]) -> list[str]:
        """Why this receipt does not belong to (pack, output, sort keys); empty when it does."""
        return _binding_problems(self, oracle_pack_id, output_id, sort_keys)

    def attempt_problems(self) -> list[str]:
        """Why the receipt names anything outside its own attempt folder; empty when it does not."""
        problems: list[str] = []
        if self.manifest.name != view_manifest_name(self.attempt_id):
            problems.append(f"manifest {self.manifest.name} is not attempt {self.attempt_id}'s")
        folder = f"attempt={self.attempt_id}/"
        outside = [part.name for part in self.parts if not part.name.startswith(folder)]
        if outside:
            problems.append(f"parts outside attempt {self.attempt_id}: {outside[:3]}")
        return problems


def _binding_problems(
    document: StreamViewManifest | StreamSortReceipt,
    oracle_pack_id: str,
    output_id: str,
    sort_keys: Sequence[str],
) -> list[str]:
    problems: list[str] = []
    if document.oracle_pack_id != oracle_pack_id:
        problems.append(f"oracle_pack_id {document.oracle_pack_id} != {oracle_pack_id}")
    if document.output_id != output_id:
        problems.append(f"output_id {document.output_id} != {output_id}")
    if list(document.sort_keys) != list(sort_keys):
        problems.append(f"sort_keys {document.sort_keys} != {list(sort_keys)}")
    if list(document.tie_breakers) != list(TIE_BREAKERS):
        problems.append(f"tie_breakers {document.tie_breakers} != {list(TIE_BREAKERS)}")
    expected = compute_stream_view_id(document.oracle_pack_id, document.output_id, document.sort_keys)
    if document.stream_view_id != expected:
        problems.append("stream_view_id does not recompute from its pack, output and sort keys")
    return problems


def closure_problems(raw: SideSummary, ordered: SideSummary, parts: Sequence[ViewPart]) -> list[str]:
    """Every way the proof fails (empty list: raw and sorted are the same rows, in key order)."""
    problems: list[str] = []
    if raw.row_count != ordered.row_count:
        problems.append(f"row_count raw {raw.row_count} != sorted {ordered.row_count}")
    if raw.multiset_digest != ordered.multiset_digest:
        problems.append("multiset digests differ: a row was dropped, duplicated or changed")
    if raw.min != ordered.min or raw.max != ordered.max:
        problems.append(f"key range raw [{raw.min}, {raw.max}] != sorted [{ordered.min}, {ordered.max}]")
    if ordered.keys_non_decreasing is not True:
        problems.append("sort keys decrease somewhere along the view")
    part_rows = sum(part.rows for part in parts)
    if part_rows != ordered.row_count:
        problems.append(f"parts hold {part_rows} rows, the view read back {ordered.row_count}")
    return problems


def require_closure(
    output_id: str, raw: SideSummary, ordered: SideSummary, parts: Sequence[ViewPart]
) -> None:
    """Raise FailClosed(STREAM_SORT_CLOSURE_FAILED) unless the closure proof holds."""
    problems = closure_problems(raw, ordered, parts)
    if problems:
        refs: dict[str, Any] = {
            "output_id": output_id,
            "problems": problems,
            "raw": raw.model_dump(mode="json"),
            "sorted": ordered.model_dump(mode="json"),
        }
        raise FailClosed(STREAM_SORT_CLOSURE_FAILED, f"{output_id}: {problems[0]}", refs)


def parse_receipt(data: bytes) -> StreamSortReceipt:
    """Parse a closure receipt; a malformed one → STREAM_SORT_CONFLICT (it cannot be overwritten)."""
    return parse_document(StreamSortReceipt, data, STREAM_SORT_CONFLICT, "the stream sort receipt")


def parse_view_manifest(data: bytes) -> StreamViewManifest:
    """Parse a view manifest; a malformed one → STREAM_SORT_CONFLICT (it cannot be overwritten)."""
    return parse_document(StreamViewManifest, data, STREAM_SORT_CONFLICT, "the stream view manifest")
