"""Re-checking the four acceptance statements against the stores, for `fp run verify`.

Why: a statement file is only as good as what it names. `judge` asks whether a document proves its
statement; this module asks whether the document still tells the truth about the pack and the run:
- landed truth: the landing manifest and the seal are read again by the SHA-256 recorded; the
  manifest's root digest recomputes (`parse_manifest`) to the recorded one, which the seal binds.
  `fp oracle verify`'s byte re-hash is not repeated (its cost grows with the pack): its recorded
  result is judged, and what it trusted is listed in the file;
- stream-view closure: each receipt is read again by its recorded SHA-256 and its facts must be the
  ones copied into the bundle;
- gates passing: the Oracle consumer check runs again on the pack (it re-hashes the gate bundles)
  and must hand out exactly the gate receipts recorded, by hash, and the same view locators;
- downstream parity: the sampled rows are drawn again, their event ids recomputed from the view
  parts, and each looked up in IG's admitted receipts read again.
Every read is under the caller's store (a role that reads the object store, `reporter` by default).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from fraud_platform.core.errors import PlatformError
from fraud_platform.operate.lane.judge import (
    DOWNSTREAM_PARITY,
    GATES_PASSING,
    LANDED_TRUTH,
    STREAM_CLOSURE,
    receipt_digest,
)
from fraud_platform.operate.lane.sample import admitted_receipts, read_receipt_at, sample_rows, view_event_ids
from fraud_platform.oracle.check import check_pack
from fraud_platform.oracle.manifest import parse_manifest
from fraud_platform.oracle.pack import SealRecord
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.wsp.locator import VIEW_REF_FIELDS

__all__ = ["Recheck"]

Doc = Mapping[str, Any]


def _read(store: ObjectStore, uri: str, sha256: str) -> bytes | None:
    data = store.get(S3Location.parse(uri))
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


class Recheck:
    """One verification's re-reads (the admitted ids and the consumer check are read once, lazily)."""

    def __init__(self, store: ObjectStore, object_bucket: str, platform_run_id: str, pack: Doc) -> None:
        self._store = store
        self._bucket = object_bucket
        self._run = platform_run_id
        self._pack = pack
        self._admitted: dict[str, set[str]] | None = None

    def problems(self, key: str, doc: Doc, closure: Doc) -> list[str]:
        """What the stores say against `doc` (statement `key`); a failed read is a problem, not a crash."""
        checks: dict[str, Callable[[], list[str]]] = {
            LANDED_TRUTH: lambda: self._landed(doc),
            STREAM_CLOSURE: lambda: self._closure(doc),
            GATES_PASSING: lambda: self._gates(doc, closure),
            DOWNSTREAM_PARITY: lambda: self._parity(doc, closure),
        }
        try:
            return checks[key]()
        except PlatformError as error:
            if error.transient:
                raise
            return [f"re-reading the evidence failed: {error.code}: {error.detail}"]
        except (KeyError, TypeError, ValueError) as error:  # a malformed statement file proves nothing
            return [f"the statement file is malformed: {type(error).__name__}: {error}"]

    def _landed(self, doc: Doc) -> list[str]:
        landing, seal = doc["landing_manifest"], doc["seal"]
        found: list[str] = []
        landing_bytes = _read(self._store, landing["uri"], landing["sha256"])
        if landing_bytes is None:
            found.append(f"{landing['uri']} is not the landing manifest recorded")
        elif parse_manifest(landing_bytes).root_digest.hex != landing["root_digest"]:
            found.append("the landing manifest's root digest is not the recorded one")
        seal_bytes = _read(self._store, seal["uri"], seal["sha256"])
        if seal_bytes is None:
            found.append(f"{seal['uri']} is not the seal recorded")
        else:
            record = SealRecord.model_validate_json(seal_bytes)
            if (record.seal_status, record.landing_root_digest.hex) != (
                seal["seal_status"],
                seal["landing_root_digest"],
            ):
                found.append("the seal's status or landing root digest is not the recorded one")
        return found

    def _closure(self, doc: Doc) -> list[str]:
        found: list[str] = []
        for output_id, view in sorted(doc["views"].items()):
            receipt, _ = read_receipt_at(self._store, view["receipt_uri"], view["receipt_sha256"])
            stored = {
                "raw": receipt.raw.model_dump(mode="json"),
                "sorted": receipt.sorted.model_dump(mode="json"),
                "parts": [part.model_dump(mode="json") for part in receipt.parts],
            }
            if any(stored[name] != view[name] for name in stored):
                found.append(f"{output_id}: the receipt's facts are not the ones copied into the bundle")
        return found

    def _gates(self, doc: Doc, closure: Doc) -> list[str]:
        report = check_pack(self._store, self._pack["root"], self._pack["scenario_id"], self._pack["outputs"])
        found = [f"the consumer check fails now: {failure.code}" for failure in report.failures[:5]]
        now = sorted(receipt_digest(receipt) for receipt in report.gate_receipts)
        if now != sorted(entry["receipt_sha256"] for entry in doc["receipts"]):
            found.append("the gate receipts recomputed now are not the ones recorded")
        views = {output_id: view.ready_ref() for output_id, view in report.stream_views.items()}
        recorded = {
            output_id: {name: view.get(name) for name in VIEW_REF_FIELDS}
            for output_id, view in closure["views"].items()
        }
        if views != recorded:
            found.append("the pack check names other stream views than the ones recorded")
        return found

    def _parity(self, doc: Doc, closure: Doc) -> list[str]:
        if self._admitted is None:
            self._admitted = admitted_receipts(self._store, self._bucket, self._run).event_ids
        found: list[str] = []
        cap = int(doc["cap"])
        for output_id, row in sorted(doc["outputs"].items()):
            view = closure["views"].get(output_id)
            if view is None:
                found.append(f"{output_id}: no committed view is recorded")
                continue
            if int(view["sorted"]["row_count"]) != int(row["view_rows"]):
                found.append(
                    f"{output_id}: view rows {row['view_rows']}, its receipt {view['sorted']['row_count']}"
                )
            rows = sample_rows(self._run, output_id, min(cap, int(row["view_rows"])))
            if [item["row"] for item in row["sample"]] != rows:
                found.append(f"{output_id}: the sampled rows are not the run's sample")
            ids = view_event_ids(self._store, view["receipt_uri"], view["receipt_sha256"], rows)
            recorded = {item["row"]: item["event_id"] for item in row["sample"]}
            wrong = [index for index in rows if recorded.get(index) != ids[index]]
            if wrong:
                found.append(f"{output_id}: event ids of rows {wrong[:5]} do not recompute from the view")
            absent = [index for index in rows if ids[index] not in self._admitted.get(output_id, set())]
            if absent:
                found.append(f"{output_id}: rows {absent[:5]} recompute to ids IG never admitted")
        return found
