"""Shadow parity: are two Oracle roots (e.g. local-parity and dev_min) the same pack, file for file?

Compared, location-independently: the landing manifests (every relative path with its size and
SHA-256, and the root digests), the pack manifests and seals (pack id, world key, engine release,
seal status), and every stream view's closure receipt (row counts, digests, parts). Identities never
hold a URI, so two roots holding the same world must agree exactly; every difference is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.oracle._store import read_optional
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingManifest, load_manifest
from fraud_platform.oracle.pack import parse_pack_manifest, parse_seal
from fraud_platform.oracle.views import read_stream_receipt
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["RECEIPT_PARITY_FIELDS", "CompareReport", "Side", "compare_roots"]

# Receipt fields that two roots of the same pack must agree on (times and durations excluded).
RECEIPT_PARITY_FIELDS = (
    "stream_view_id",
    "oracle_pack_id",
    "output_id",
    "sort_keys",
    "raw",
    "sorted",
    "parts",
)


@dataclass(frozen=True)
class Side:
    """One root to compare, with the store (and so the endpoint and role) it is read through."""

    store: ObjectStore
    root: PackRoot


@dataclass(frozen=True)
class CompareReport:
    """Every difference between two roots; identical when there is none."""

    left: str
    right: str
    files: int
    differences: list[dict[str, Any]] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"left": self.left, "right": self.right, "files": self.files, "differences": self.differences}


def compare_roots(left: Side, right: Side) -> CompareReport:
    """Compare two roots; read-only. Substrate errors raise; everything else is a listed difference."""
    differences: list[dict[str, Any]] = []
    manifests = [_landing(side, name, differences) for side, name in ((left, "left"), (right, "right"))]
    if manifests[0] is not None and manifests[1] is not None:
        differences += _landing_differences(manifests[0], manifests[1])
    differences += _pack_differences(left, right)
    for output_id in load_catalogue().output_ids:
        differences += _receipt_differences(left, right, output_id)
    return CompareReport(
        left=left.root.uri,
        right=right.root.uri,
        files=max((m.file_count for m in manifests if m is not None), default=0),
        differences=differences,
    )


def _landing(side: Side, name: str, differences: list[dict[str, Any]]) -> LandingManifest | None:
    try:
        return load_manifest(side.store, side.root)
    except FailClosed as error:
        if error.transient:
            raise
        differences.append(
            {"what": "landing_manifest", "side": name, "code": str(error.code), "detail": error.detail}
        )
        return None


def _landing_differences(left: LandingManifest, right: LandingManifest) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    lefts, rights = left.by_path(), right.by_path()
    for path in sorted(set(lefts) | set(rights)):
        a, b = lefts.get(path), rights.get(path)
        if a is None or b is None:
            found.append({"what": "file", "path": path, "only_in": "left" if b is None else "right"})
        elif (a.size, a.sha256) != (b.size, b.sha256):
            found.append({"what": "file", "path": path, "left": a.model_dump(), "right": b.model_dump()})
    if left.root_digest != right.root_digest:
        found.append(
            {"what": "landing_root_digest", "left": left.root_digest.hex, "right": right.root_digest.hex}
        )
    return found


def _pack_summary(side: Side) -> dict[str, Any]:
    try:
        return _read_pack_summary(side)
    except FailClosed as error:
        if error.transient:
            raise
        return {"invalid": {"code": str(error.code), "detail": error.detail}}


def _read_pack_summary(side: Side) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    seal = read_optional(side.store, side.root.seal)
    if seal is None:
        return summary
    record = parse_seal(seal)
    summary["seal"] = {"seal_status": record.seal_status, "oracle_pack_id": record.oracle_pack_id}
    # The pack manifest is content-addressed: only the one the seal (the commit object) names counts.
    pack = read_optional(side.store, side.root.pack_manifest(record.pack_manifest_sha256))
    if pack is not None:
        parsed = parse_pack_manifest(pack)
        summary["pack"] = {
            "oracle_pack_id": parsed.oracle_pack_id,
            "engine_release": parsed.engine_release,
            "world_key": parsed.world_key.model_dump(),
            "gates": [receipt.to_json() for receipt in parsed.gates],
        }
    return summary


def _pack_differences(left: Side, right: Side) -> list[dict[str, Any]]:
    a, b = _pack_summary(left), _pack_summary(right)
    return [
        {"what": key, "left": a.get(key), "right": b.get(key)}
        for key in ("pack", "seal", "invalid")
        if a.get(key) != b.get(key)
    ]


def _receipt_differences(left: Side, right: Side, output_id: str) -> list[dict[str, Any]]:
    a = _receipt_view(left, output_id)
    b = _receipt_view(right, output_id)
    if a == b:
        return []
    fields = sorted({*(a or {}), *(b or {})})
    changed = [name for name in fields if (a or {}).get(name) != (b or {}).get(name)]
    return [{"what": "stream_view", "output_id": output_id, "left": a, "right": b, "fields": changed}]


def _receipt_view(side: Side, output_id: str) -> dict[str, Any] | None:
    """The location- and attempt-independent content of a receipt (parts by rows, size and SHA-256)."""
    try:
        receipt = read_stream_receipt(side.store, side.root, output_id)
    except FailClosed as error:
        if error.transient:
            raise
        return {"invalid": str(error.code)}
    if receipt is None:
        return None
    document = receipt.model_dump(mode="json")
    view = {name: document[name] for name in RECEIPT_PARITY_FIELDS}
    view["parts"] = [{key: part[key] for key in ("rows", "size", "sha256")} for part in document["parts"]]
    return view
