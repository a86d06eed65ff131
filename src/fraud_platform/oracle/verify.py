"""Re-reading a landing: every landed byte (and, optionally, every source byte) against its manifest.

The landing's own verification pass trusts the SHA-256 stored with each object; this one does not:
it reads each object back and hashes it, so a silent change of bytes under unchanged metadata is
found too. Every read is streamed (`ObjectStore.get_stream`, hashed as the chunks pass; a source
through `open_stream`), so memory is bounded by `workers * VERIFY_CHUNK` however large the objects
are; no local copies; parallel on a bounded pool.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle.land import existing_objects
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry, load_manifest
from fraud_platform.oracle.sources import LandingSource, SourceFile, hash_stream
from fraud_platform.substrate.objectstore.hashing import iter_hashed
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["VERIFY_CHUNK", "VerifyReport", "verify_landing"]

VERIFY_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class VerifyReport:
    """Every path that is missing, extra or different, per side (destination or source)."""

    root: str
    files: int
    bytes_read: int
    problems: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "source": self.source,
            "files": self.files,
            "bytes_read": self.bytes_read,
            "problems": self.problems,
        }


def verify_landing(
    store: ObjectStore, root: PackRoot, *, source: LandingSource | None = None, workers: int = 8
) -> VerifyReport:
    """Compare the destination (and `source` when given) byte for byte with the landing manifest.

    Read-only. Raises LANDING_MANIFEST_MISSING / INVALID / LANDING_DIGEST_MISMATCH for a bad commit
    object; differences are returned in the report, not raised.
    """
    manifest = load_manifest(store, root)
    expected = manifest.by_path()
    present = existing_objects(store, root)
    problems = _set_problems("destination", set(present), set(expected))

    def _destination(entry: LandingEntry) -> tuple[dict[str, Any] | None, int]:
        hasher = hashlib.sha256()
        chunks = store.get_stream(root.child(entry.path), chunk_size=VERIFY_CHUNK)
        size = sum(len(chunk) for chunk in iter_hashed(chunks, hasher))
        return _compare("destination", entry, size, hasher.hexdigest()), size

    checked = [entry for entry in manifest.entries if entry.path in present]
    results = run_bounded(checked, _destination, workers=workers, label=lambda e: e.path)
    if source is not None:
        files = {file.path: file for file in source.list_files()}
        problems += _set_problems("source", set(files), set(expected))

        def _source(entry: LandingEntry) -> tuple[dict[str, Any] | None, int]:
            digest, size = _hash_source(source, files[entry.path])
            return _compare("source", entry, size, digest), size

        in_source = [entry for entry in manifest.entries if entry.path in files]
        results += run_bounded(in_source, _source, workers=workers, label=lambda e: e.path)
    problems += [problem for problem, _ in results if problem is not None]
    return VerifyReport(
        root=root.uri,
        files=manifest.file_count,
        bytes_read=sum(size for _, size in results),
        problems=sorted(problems, key=lambda p: (p["side"], p["path"])),
        source=source.uri if source is not None else None,
    )


def _hash_source(source: LandingSource, file: SourceFile) -> tuple[str, int]:
    with source.open_stream(file) as stream:
        return hash_stream(stream)


def _set_problems(side: str, present: set[str], expected: set[str]) -> list[dict[str, Any]]:
    return [{"side": side, "path": path, "problem": "missing"} for path in sorted(expected - present)] + [
        {"side": side, "path": path, "problem": "extra"} for path in sorted(present - expected)
    ]


def _compare(side: str, entry: LandingEntry, size: int, digest: str) -> dict[str, Any] | None:
    if size == entry.size and digest == entry.sha256:
        return None
    return {
        "side": side,
        "path": entry.path,
        "problem": "different",
        "expected_sha256": entry.sha256,
        "actual_sha256": digest,
        "expected_size": entry.size,
        "actual_size": size,
    }
