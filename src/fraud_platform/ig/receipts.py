"""Receipts and quarantine objects: one immutable NDJSON object per ingest batch and run, plus an index.

    fraud-platform/{platform_run_id}/ig/receipts/{batch_id}.ndjson     one line per decision
    fraud-platform/{platform_run_id}/ig/quarantine/{batch_id}.ndjson   one line per quarantined event,
                                                                       with the full event as received

An event whose run id is unusable (missing or malformed) is filed under `_unattributed` in place of
the run id. Lines are cj1 JSON (sorted keys), so `read_json_auto` in DuckDB reads them directly
(docs/ig.md has the query). Objects are written once (`put_if_absent`) with a random batch id, so a
retried request writes new objects and never rewrites old ones. A receipt id is its batch id and
its position in the request (`receipt_id_for`), so the state store indexes objects, not receipts:
one row per receipts object, and `GET /v1/receipts/{id}` reads the batch's object(s) to find the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.ig.jsonbytes import decoded_json_bytes
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location, StoreChecksum
from fraud_platform.substrate.state.ig_tables import ReceiptObjectRow, index_receipt_objects
from fraud_platform.substrate.state.tables import StateEngine

__all__ = [
    "UNATTRIBUTED",
    "ReceiptLine",
    "find_receipt",
    "receipt_id_for",
    "receipt_place",
    "write_batch_objects",
]

UNATTRIBUTED = "_unattributed"
_RUN_ID = re.compile(r"^platform_\d{8}T\d{6}Z$")
_RECEIPT_ID = re.compile(r"^([0-9a-f]{32})([0-9a-f]{8})$")


def receipt_id_for(batch_id: str, position: int) -> str:
    """The receipt id of the decision at `position` of a batch: the batch id (32 hex), then 8 hex."""
    return f"{batch_id}{position:08x}"


def receipt_place(receipt_id: str) -> tuple[str, int] | None:
    """`(batch_id, position)` of a receipt id, or None for anything `receipt_id_for` never makes."""
    match = _RECEIPT_ID.match(receipt_id)
    return None if match is None else (match.group(1), int(match.group(2), 16))


@dataclass(frozen=True)
class ReceiptLine:
    """One decision's receipt; `raw_event` is set for quarantined events only (kept in quarantine)."""

    receipt: dict[str, Any]
    platform_run_id: str | None
    raw_event: Any = field(default=None)
    quarantined: bool = False


def _run_folder(platform_run_id: str | None) -> str:
    return platform_run_id if platform_run_id and _RUN_ID.match(platform_run_id) else UNATTRIBUTED


def _ndjson(lines: Sequence[dict[str, Any]]) -> bytes:
    """cj1 lines: receipts hold IG's own (finite) values and events as its strict decoder made them."""
    return b"".join([decoded_json_bytes(line, finite=True) + b"\n" for line in lines])


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
    index: list[ReceiptObjectRow] = []
    for folder, run_lines in sorted(by_run.items()):
        receipts_key = f"fraud-platform/{folder}/ig/receipts/{batch_id}.ndjson"
        body = _ndjson([line.receipt for line in run_lines])
        store.put_if_absent(
            S3Location(bucket, receipts_key),
            body,
            content_type="application/x-ndjson",
            store_checksum=StoreChecksum.CRC32,
        )
        written[folder] = [len(body)]
        quarantined = [line for line in run_lines if line.quarantined]
        if quarantined:
            body = _ndjson([{**line.receipt, "event": line.raw_event} for line in quarantined])
            store.put_if_absent(
                S3Location(bucket, f"fraud-platform/{folder}/ig/quarantine/{batch_id}.ndjson"),
                body,
                content_type="application/x-ndjson",
                store_checksum=StoreChecksum.CRC32,
            )
            written[folder].append(len(body))
        index.append(ReceiptObjectRow(batch_id, receipts_key, folder, len(run_lines)))
    index_receipt_objects(engine, index)
    return written


def find_receipt(
    store: ObjectStore, bucket: str, objects: Sequence[ReceiptObjectRow], receipt_id: str, position: int
) -> dict[str, Any] | None:
    """The receipt `receipt_id` in its batch's receipts objects, or None when none holds it.

    A batch of one run has one object whose line is the position; a batch spanning runs has one
    object per run, each holding its runs' lines in request order, so those are searched.
    """
    for row in objects:
        lines = store.get(S3Location(bucket, row.object_key)).splitlines()
        candidates = [lines[position]] if len(objects) == 1 and position < len(lines) else lines
        for candidate in candidates:
            document = parse_json_bytes(candidate)
            if isinstance(document, dict) and document.get("receipt_id") == receipt_id:
                return document
    return None
