"""Read-side lookups behind `GET /v1/receipts/{id}` and `GET /v1/events/{id}`: index first, then S3."""

from __future__ import annotations

from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.ig._reasons import IG_EVENT_UNKNOWN, IG_RECEIPT_UNKNOWN
from fraud_platform.ig.receipts import find_receipt, receipt_place
from fraud_platform.ig.service import IngestService
from fraud_platform.substrate.state.ig_tables import events_by_id, receipt_objects

__all__ = ["event_admissions", "receipt_document"]


def receipt_document(service: IngestService, receipt_id: str) -> dict[str, Any]:
    """The receipt line of `receipt_id`; FailClosed(IG_RECEIPT_UNKNOWN) when no indexed object holds it."""
    place = receipt_place(receipt_id)
    objects = [] if place is None else receipt_objects(service.engine, place[0])
    receipt = (
        None
        if place is None or not objects
        else find_receipt(service.store, service.bucket, objects, receipt_id, place[1])
    )
    if receipt is None:
        raise FailClosed(IG_RECEIPT_UNKNOWN, f"no receipt {receipt_id[:64]!r}")
    return receipt


def event_admissions(service: IngestService, platform_run_id: str, event_id: str) -> dict[str, Any]:
    """Every admission of `event_id` in a run; FailClosed(IG_EVENT_UNKNOWN) when there is none."""
    rows = events_by_id(service.engine, platform_run_id, event_id)
    if not rows:
        raise FailClosed(IG_EVENT_UNKNOWN, f"no event {event_id[:64]!r} in run {platform_run_id[:64]!r}")
    return {
        "platform_run_id": platform_run_id,
        "event_id": event_id,
        "admissions": [
            {
                "event_class": row["event_class"],
                "state": row["state"],
                "payload_hash": row["payload_hash"],
                "receipt_id": row["receipt_id"],
                "eb_ref": None
                if row["offset"] is None
                else {"topic": row["topic"], "partition": row["partition"], "offset": row["offset"]},
            }
            for row in rows
        ],
    }
