"""Receipts and quarantine objects: one immutable NDJSON object per ingest batch and run, plus an index.

    fraud-platform/{platform_run_id}/ig/receipts/{batch_id}.ndjson     one line per decision
    fraud-platform/{platform_run_id}/ig/quarantine/{batch_id}.ndjson   one line per quarantined event,
                                                                       with the full event as received

An event whose run id is unusable (missing or malformed) is filed under `_unattributed` in place of
the run id. Lines are cj1 JSON (sorted keys), so `read_json_auto` in DuckDB reads them directly
(docs/ig.md has the query). Objects are written once (`put_if_absent`) with a random batch id, so a
retried request writes new objects and never rewrites old ones; the state-store index maps every
receipt id to its object and line for `GET /v1/receipts/{id}` without one object per event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.ig.jsonbytes import decoded_json_bytes
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.state.ig_tables import ReceiptIndexRow, index_receipts
from fraud_platform.substrate.state.tables import StateEngine

__all__ = ["UNATTRIBUTED", "ReceiptLine", "read_receipt", "receipt_id_for", "write_batch_objects"]

UNATTRIBUTED = "_unattributed"
_RUN_ID = re.compile(r"^platform_\d{8}T\d{6}Z$")


def receipt_id_for(batch_id: str, position: int) -> str:
    """The receipt id of the decision at `position` of a batch (opaque, 32 hex)."""
    return hashlib.sha256(f"ig-receipt|{batch_id}|{position}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ReceiptLine:
    """One decision's receipt; `raw_event` is set for quarantined events only (kept in quarantine)."""

    receipt: Mapping[str, Any]
    platform_run_id: str | None
    raw_event: Any = field(default=None)
    quarantined: bool = False


def _run_folder(platform_run_id: str | None) -> str:
    return platform_run_id if platform_run_id and _RUN_ID.match(platform_run_id) else UNATTRIBUTED


def _ndjson(lines: Sequence[Mapping[str, Any]]) -> bytes:
    """cj1 lines: receipts hold IG's own values and events as decoded (`ig.jsonbytes`)."""
    return b"".join(decoded_json_bytes(dict(line)) + b"\n" for line in lines)


def write_batch_objects(
    store: ObjectStore, engine: StateEngine, bucket: str, batch_id: str, lines: Sequence[ReceiptLine]
) -> dict[str, list[int]]:
    """Write the batch's receipt (and quarantine) objects per run, then index every receipt.

    Objects first, index last: an index row always points at an object that exists. Returns the body
    sizes written per run folder (IG's per-run telemetry counts them).
    """
    written: dict[str, list[int]] = {}
    by_run: dict[str, list[ReceiptLine]] = {}
    for line in lines:
        by_run.setdefault(_run_folder(line.platform_run_id), []).append(line)
    index: list[ReceiptIndexRow] = []
    for folder, run_lines in sorted(by_run.items()):
        receipts_key = f"fraud-platform/{folder}/ig/receipts/{batch_id}.ndjson"
        body = _ndjson([line.receipt for line in run_lines])
        store.put_if_absent(S3Location(bucket, receipts_key), body, content_type="application/x-ndjson")
        written[folder] = [len(body)]
        quarantined = [line for line in run_lines if line.quarantined]
        if quarantined:
            body = _ndjson([{**line.receipt, "event": line.raw_event} for line in quarantined])
            store.put_if_absent(
                S3Location(bucket, f"fraud-platform/{folder}/ig/quarantine/{batch_id}.ndjson"),
                body,
                content_type="application/x-ndjson",
            )
            written[folder].append(len(body))
        index += [
            ReceiptIndexRow(
                line.receipt["receipt_id"],
                folder,
                batch_id,
                receipts_key,
                number,
                line.receipt.get("event_id"),
                line.receipt["decision"],
            )
            for number, line in enumerate(run_lines)
        ]
    index_receipts(engine, index)
    return written


def read_receipt(store: ObjectStore, bucket: str, object_key: str, line: int) -> dict[str, Any] | None:
    """The receipt at `line` of a receipts object, or None when the object holds no such line."""
    lines = store.get(S3Location(bucket, object_key)).splitlines()
    if not 0 <= line < len(lines):
        return None
    document = parse_json_bytes(lines[line])
    return document if isinstance(document, dict) else None
