"""Gathering the evidence of the four acceptance statements at the end of a lane run.

Each statement gets one bundle file (`judge.STATEMENT_FILES`) holding the facts it rests on, each
named by URI and SHA-256 so `fp run verify` can re-read it:
- landed truth continuity: the landing manifest (root digest), the seal, and the result of
  `fp oracle verify` (`oracle.verify.verify_landing`) run now on the pointer's pack. That pass
  re-hashes every landed byte (streamed, bounded memory), so its cost grows with the pack: fine for
  the small worlds of a bounded run, and it is what the statement asks for;
- stream-view closure: every streamed view's closure receipt facts (raw and sorted sides, parts),
  copied from the committed receipt read by the SHA-256 the pack check named;
- gates passing: every gate receipt of the pack check, by id and SHA-256 of its canonical bytes;
- downstream parity: per output the counts of the reconciliation and a sample of event ids
  recomputed from the view's rows (`sample`), each looked up among IG's admitted receipts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.obs.reconcile import Reconciliation
from fraud_platform.operate.lane.judge import (
    DOWNSTREAM_PARITY,
    GATES_PASSING,
    JUDGES,
    LANDED_TRUTH,
    STREAM_CLOSURE,
    receipt_digest,
)
from fraud_platform.operate.lane.sample import (
    Admitted,
    admitted_receipts,
    read_receipt_at,
    sample_rows,
    view_event_ids,
)
from fraud_platform.oracle._reasons import ORACLE_VERIFY_FAILED
from fraud_platform.oracle.check import CheckReport, PackRoot
from fraud_platform.oracle.manifest import load_manifest
from fraud_platform.oracle.pack import SealRecord
from fraud_platform.oracle.verify import verify_landing
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["LaneProof", "gather_proof"]

_VERIFY_TRUSTS = (
    "the landing manifest as the record of what was landed: it recomputes to its root digest, "
    "which the seal binds; every landed byte is re-hashed against it (nothing else is trusted)",
)
_PROBLEMS_KEPT = 20


@dataclass(frozen=True)
class LaneProof:
    """The four statement documents, by statement key; `problems` judged by `judge.JUDGES`.

    `admitted_at` and `admission_ms` (IG's receipt times and batch admission latencies, per output)
    feed only the report's charts: they are kept out of `documents`, whose files must be byte-identical
    on a rerun, because a latency is a measurement that differs every time.
    """

    documents: dict[str, dict[str, Any]]
    admitted_at: dict[str, list[datetime]] = field(default_factory=dict)
    admission_ms: dict[str, list[float]] = field(default_factory=dict)

    def problems(self, key: str) -> list[str]:
        return JUDGES[key](self.documents[key])

    def holds(self, key: str) -> bool:
        return not self.problems(key)

    def file_bytes(self, key: str) -> bytes:
        return canonical_file_bytes(self.documents[key])


def _landed(store: ObjectStore, root: PackRoot, workers: int) -> dict[str, Any]:
    landing_bytes = store.get(root.landing_manifest)
    seal_bytes = store.get(root.seal)
    seal = SealRecord.model_validate_json(seal_bytes)
    landing = load_manifest(store, root)
    report = verify_landing(store, root, workers=workers)
    return {
        "pack_root": root.uri,
        "landing_manifest": {
            "uri": root.landing_manifest.uri,
            "sha256": hashlib.sha256(landing_bytes).hexdigest(),
            "root_digest": landing.root_digest.hex,
            "file_count": landing.file_count,
            "total_bytes": landing.total_bytes,
        },
        "seal": {
            "uri": root.seal.uri,
            "sha256": hashlib.sha256(seal_bytes).hexdigest(),
            "seal_status": seal.seal_status,
            "oracle_pack_id": seal.oracle_pack_id,
            "landing_root_digest": seal.landing_root_digest.hex,
            "sealed_at_utc": seal.sealed_at_utc,
        },
        "oracle_verify": {
            "ok": report.ok,
            "code": "OK" if report.ok else str(ORACLE_VERIFY_FAILED),
            "files": report.files,
            "bytes_read": report.bytes_read,
            "problems": report.problems[:_PROBLEMS_KEPT],
            "trusted": list(_VERIFY_TRUSTS),
        },
    }


def _closure(store: ObjectStore, check: CheckReport) -> dict[str, Any]:
    views: dict[str, Any] = {}
    for output_id, locator in sorted(check.stream_views.items()):
        ref = locator.ready_ref()
        receipt, _ = read_receipt_at(store, ref["receipt_uri"], ref["receipt_sha256"])
        views[output_id] = {
            **ref,
            "raw": receipt.raw.model_dump(mode="json"),
            "sorted": receipt.sorted.model_dump(mode="json"),
            "parts": [part.model_dump(mode="json") for part in receipt.parts],
        }
    return {"pack_root": check.root, "views": views}


def _gates(check: CheckReport) -> dict[str, Any]:
    receipts = [{"receipt": dict(r), "receipt_sha256": receipt_digest(r)} for r in check.gate_receipts]
    return {"pack_root": check.root, "outputs": list(check.outputs), "receipts": receipts}


def _parity(
    store: ObjectStore,
    bucket: str,
    check: CheckReport,
    recon: Reconciliation,
    platform_run_id: str,
    admitted: Admitted,
) -> dict[str, Any]:
    outputs: dict[str, Any] = {}
    for row in recon.outputs:
        locator = check.stream_views.get(row.output_id)
        sample: list[dict[str, Any]] = []
        if locator is not None:
            ref = locator.ready_ref()
            rows = sample_rows(platform_run_id, row.output_id, min(recon.cap, row.view_rows))
            ids = view_event_ids(store, ref["receipt_uri"], ref["receipt_sha256"], rows)
            ids_admitted = admitted.event_ids.get(row.output_id, set())
            sample = [
                {"row": index, "event_id": ids[index], "admitted": ids[index] in ids_admitted}
                for index in rows
            ]
        outputs[row.output_id] = {
            "view_rows": row.view_rows,
            "admitted": row.admitted,
            "on_topic": row.on_topic,
            "sample": sample,
        }
    return {
        "platform_run_id": platform_run_id,
        "cap": recon.cap,
        "admitted_from": f"s3://{bucket}/fraud-platform/{platform_run_id}/ig/receipts/",
        "outputs": outputs,
    }


def gather_proof(
    store: ObjectStore,
    object_bucket: str,
    check: CheckReport,
    recon: Reconciliation,
    platform_run_id: str,
    *,
    workers: int,
) -> LaneProof:
    """Read what each statement rests on (module docstring); read-only, raises only for I/O errors."""
    root = PackRoot.parse(check.root)
    admitted = admitted_receipts(store, object_bucket, platform_run_id)
    return LaneProof(
        {
            LANDED_TRUTH: _landed(store, root, workers),
            STREAM_CLOSURE: _closure(store, check),
            GATES_PASSING: _gates(check),
            DOWNSTREAM_PARITY: _parity(store, object_bucket, check, recon, platform_run_id, admitted),
        },
        admitted.times,
        admitted.latencies_ms,
    )
