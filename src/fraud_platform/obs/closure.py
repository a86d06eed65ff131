"""The closure bundle of a run: its files under `evidence/runs/{platform_run_id}/`, committed last.

`run_completed.json` is the run's commit object: it names every other file of the bundle with its
size and SHA-256, and it is written once (`put_if_absent`) after all of them. A crash before it leaves
the run uncommitted (`fp run verify` refuses with CLOSURE_UNCOMMITTED); a rerun converges:
- a *deterministic* file (reconciliation, replay anchors: no wall-clock field) must come out with the
  same bytes, else CLOSURE_CONFLICT (the run's records changed between the attempts);
- any other file (report page, telemetry, lineage: they carry times) keeps the first attempt's bytes,
  and the commit binds exactly the bytes that are stored;
- once the commit exists, nothing is written again and the stored commit is returned.
Files already in the run's evidence (run.json) are bound by digest without being rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import (
    CLOSURE_CONFLICT,
    CLOSURE_DIGEST_MISMATCH,
    CLOSURE_UNCOMMITTED,
    EVIDENCE_INVALID,
)
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.substrate.objectstore.port import ObjectStore, PutOutcome, S3Location

__all__ = ["CLOSURE_COMMIT", "BundleFile", "ClosureCommit", "read_commit", "verify_closure", "write_closure"]

CLOSURE_COMMIT = "run_completed.json"
_SCHEMA = "fp.obs.run_completed.v1"


@dataclass(frozen=True)
class BundleFile:
    """One file to write into the bundle; `deterministic` files must be byte-identical on a rerun."""

    name: str
    data: bytes
    content_type: str = "application/json"
    deterministic: bool = False


@dataclass(frozen=True)
class ClosureCommit:
    """The stored commit object, where it is, and whether this call wrote it."""

    uri: str
    document: dict[str, Any]
    created: bool


def _location(evidence: RunEvidence, name: str) -> S3Location:
    if not name or name.startswith("/") or ".." in name.split("/") or name == CLOSURE_COMMIT:
        raise FailClosed(EVIDENCE_INVALID, f"bundle file name {name!r} is not a plain relative name")
    return evidence.prefix.child(name)


def _entry(location: S3Location, data: bytes) -> dict[str, Any]:
    return {"uri": location.uri, "bytes": len(data), "sha256": sha256_hex(data)}


def _store_file(store: ObjectStore, location: S3Location, item: BundleFile) -> bytes:
    """Write `item` once; return the bytes now stored (the first attempt's, for a non-deterministic one)."""
    existing = store.get(location) if store.head(location) is not None else None
    if existing is None:
        store.put_if_absent(location, item.data, content_type=item.content_type)
        return item.data
    if existing != item.data and item.deterministic:
        raise FailClosed(
            CLOSURE_CONFLICT,
            f"{item.name} is already stored with other bytes: the run's records changed since",
            {"uri": location.uri, "stored_sha256": sha256_hex(existing), "new_sha256": sha256_hex(item.data)},
        )
    return existing


def read_commit(store: ObjectStore, evidence: RunEvidence) -> ClosureCommit | None:
    """The stored `run_completed.json`, or None while the run is uncommitted."""
    location = evidence.prefix.child(CLOSURE_COMMIT)
    if store.head(location) is None:
        return None
    document = parse_json_bytes(store.get(location))
    if not isinstance(document, dict) or document.get("schema_version") != _SCHEMA:
        raise FailClosed(EVIDENCE_INVALID, f"{location.uri} is not a {_SCHEMA} document")
    return ClosureCommit(location.uri, document, created=False)


def write_closure(
    store: ObjectStore,
    evidence: RunEvidence,
    files: Sequence[BundleFile],
    *,
    bind_existing: Sequence[str],
    summary: Mapping[str, Any],
) -> ClosureCommit:
    """Write every file, then the commit naming them all; converges on a rerun (module docstring).

    `summary` (verdict, counters) goes into the commit as it is; it must hold no wall-clock field,
    or a rerun racing the first commit could not tell a conflict from a repeat.
    """
    committed = read_commit(store, evidence)
    if committed is not None:
        return committed
    entries: dict[str, dict[str, Any]] = {}
    for name in bind_existing:
        location = _location(evidence, name)
        if store.head(location) is None:
            raise FailClosed(CLOSURE_DIGEST_MISMATCH, f"{location.uri} to bind into the bundle is missing")
        entries[name] = _entry(location, store.get(location))
    for item in files:
        location = _location(evidence, item.name)
        entries[item.name] = _entry(location, _store_file(store, location, item))
    document = {
        "schema_version": _SCHEMA,
        "platform_run_id": evidence.platform_run_id,
        "files": dict(sorted(entries.items())),
        "summary": dict(summary),
    }
    location = evidence.prefix.child(CLOSURE_COMMIT)
    outcome = store.put_if_absent(location, canonical_file_bytes(document), content_type="application/json")
    return ClosureCommit(location.uri, document, created=outcome is PutOutcome.CREATED)


def verify_closure(store: ObjectStore, evidence: RunEvidence) -> tuple[ClosureCommit, dict[str, bytes]]:
    """Re-read the commit and every file it names; CLOSURE_DIGEST_MISMATCH on the first that differs.

    Returns the commit and the verified bytes of every file, for the caller's content checks.
    """
    committed = read_commit(store, evidence)
    if committed is None:
        raise FailClosed(
            CLOSURE_UNCOMMITTED,
            f"no {CLOSURE_COMMIT} under {evidence.prefix.uri}: the run never committed its bundle",
            {"prefix": evidence.prefix.uri},
        )
    files = committed.document.get("files")
    if not isinstance(files, dict) or not files:
        raise FailClosed(EVIDENCE_INVALID, f"{committed.uri} names no files")
    verified: dict[str, bytes] = {}
    for name, entry in sorted(files.items()):
        location = _location(evidence, str(name))
        data = store.get(location) if store.head(location) is not None else None
        if data is None or sha256_hex(data) != entry.get("sha256") or len(data) != entry.get("bytes"):
            found = "missing" if data is None else f"sha256 {sha256_hex(data)}"
            raise FailClosed(
                CLOSURE_DIGEST_MISMATCH,
                f"{location.uri}: {found}, {CLOSURE_COMMIT} holds sha256 {entry.get('sha256')}",
                {"uri": location.uri, "expected_sha256": entry.get("sha256")},
            )
        verified[str(name)] = data
    return committed, verified
