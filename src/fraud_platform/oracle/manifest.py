"""The landing manifest: every landed path with its size and SHA-256, and the root digest over them.

It is the commit object of a landing (`_oracle/landing_manifest.json`), written last, after every
object was verified at the destination. Its bytes depend only on the source content, never on
where or when it was landed, so an identical rerun writes identical bytes and converges.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from fraud_platform.core.canonical import digest_of
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._models import HEX64, Sha256Digest, StrictModel, document_bytes, parse_document
from fraud_platform.oracle._reasons import (
    LANDING_DIGEST_MISMATCH,
    LANDING_MANIFEST_INVALID,
    LANDING_MANIFEST_MISSING,
)
from fraud_platform.oracle._store import read_optional
from fraud_platform.oracle.layout import PackRoot, is_reserved
from fraud_platform.oracle.paths import safe_relative_path
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = [
    "LANDING_MANIFEST_SCHEMA",
    "LandingEntry",
    "LandingManifest",
    "build_manifest",
    "entries_digest",
    "load_manifest",
    "parse_manifest",
]

LANDING_MANIFEST_SCHEMA = "fp.oracle.landing_manifest.v1"


class LandingEntry(StrictModel):
    """One landed file: its path relative to the pack root, its size in bytes and its SHA-256."""

    path: str = Field(min_length=1)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=HEX64)


class LandingManifest(StrictModel):
    """`_oracle/landing_manifest.json`: sorted entries plus their cj1 root digest."""

    schema_version: Literal["fp.oracle.landing_manifest.v1"] = "fp.oracle.landing_manifest.v1"
    engine_run_id: str = Field(min_length=1)
    file_count: int = Field(ge=0)
    total_bytes: int = Field(ge=0)
    entries: list[LandingEntry]
    root_digest: Sha256Digest

    def by_path(self) -> dict[str, LandingEntry]:
        return {entry.path: entry for entry in self.entries}

    def to_bytes(self) -> bytes:
        return document_bytes(self)


def entries_digest(entries: Iterable[LandingEntry]) -> Sha256Digest:
    """The root digest: cj1 digest of the entries (already sorted by path) as a JSON list."""
    return Sha256Digest.of(digest_of([entry.model_dump(mode="json") for entry in entries]))


def build_manifest(engine_run_id: str, entries: Iterable[LandingEntry]) -> LandingManifest:
    """Sort the entries by path (code point = UTF-8 byte order) and compute the root digest."""
    ordered = sorted(entries, key=lambda entry: entry.path)
    _check_entries(ordered)
    return LandingManifest(
        engine_run_id=engine_run_id,
        file_count=len(ordered),
        total_bytes=sum(entry.size for entry in ordered),
        entries=ordered,
        root_digest=entries_digest(ordered),
    )


def parse_manifest(data: bytes) -> LandingManifest:
    """Parse and validate: order, uniqueness, safe paths, counts, and the root digest recomputed."""
    manifest = parse_document(LandingManifest, data, LANDING_MANIFEST_INVALID, "the landing manifest")
    _check_entries(manifest.entries)
    if manifest.file_count != len(manifest.entries) or manifest.total_bytes != sum(
        entry.size for entry in manifest.entries
    ):
        raise FailClosed(LANDING_MANIFEST_INVALID, "file_count or total_bytes disagree with the entries")
    recomputed = entries_digest(manifest.entries)
    if recomputed != manifest.root_digest:
        raise FailClosed(
            LANDING_DIGEST_MISMATCH,
            "the landing manifest's root digest does not match its entries",
            {"recorded": manifest.root_digest.hex, "recomputed": recomputed.hex},
        )
    return manifest


def load_manifest(store: ObjectStore, root: PackRoot) -> LandingManifest:
    """Read the committed landing of a pack root; absent → LANDING_MANIFEST_MISSING."""
    data = read_optional(store, root.landing_manifest)
    if data is None:
        raise FailClosed(LANDING_MANIFEST_MISSING, f"no committed landing at {root.uri}", {"root": root.uri})
    return parse_manifest(data)


def _check_entries(entries: list[LandingEntry]) -> None:
    previous: str | None = None
    for entry in entries:
        try:
            safe_relative_path(entry.path)
        except FailClosed as error:
            raise FailClosed(
                LANDING_MANIFEST_INVALID, f"unsafe path in the manifest: {error.detail}"
            ) from error
        if is_reserved(entry.path):
            raise FailClosed(LANDING_MANIFEST_INVALID, f"reserved Oracle name in the manifest: {entry.path}")
        if previous is not None and entry.path <= previous:
            raise FailClosed(LANDING_MANIFEST_INVALID, f"entries not strictly sorted at {entry.path}")
        previous = entry.path
