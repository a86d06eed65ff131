"""Publishing READY: rebuild from the facts view, pin the bytes in ready_signal, produce, then record.

Order, each step re-runnable:
1. rebuild the message from the committed facts view (same bytes every time);
2. write it once to `ready_signal/` (identical bytes: success; other bytes: READY_SIGNAL_CONFLICT, so a
   second, *different* READY can never be published for a run);
3. produce with the idempotent, `acks=all` producer to `fp.bus.control.v1`, key `platform_run_id`,
   header `message_id`, and wait for the broker's acknowledgement;
4. only then record READY_PUBLISHED (or READY_REEMITTED) with the bus position, and emit the fact.
A crash before 4 leaves READY committed and unrecorded: the next submit/evaluate publishes again.
Consumers dedupe on `message_id`, so at-least-once on the bus is safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.logging import log_event
from fraud_platform.sr._reasons import READY_SIGNAL_CONFLICT, SR_LEDGER_INVALID
from fraud_platform.sr.documents import RunStatus
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.sr.ready import build_ready_message, ready_message_bytes
from fraud_platform.substrate.bus.port import BusProducer, Delivery

__all__ = ["PUBLISH_EVENTS", "PreparedReady", "delivery_json", "prepare_ready", "produce_ready"]

_log = logging.getLogger(__name__)

PUBLISH_EVENTS = ("READY_PUBLISHED", "READY_REEMITTED")
"""Run-record events that prove a delivery of READY was acknowledged."""


@dataclass(frozen=True)
class PreparedReady:
    """The exact READY bytes of a run, already pinned in ready_signal."""

    message_id: str
    topic: str
    value: bytes
    key: bytes


def prepare_ready(ledger: SrLedger, status: RunStatus, topic: str) -> PreparedReady:
    """Steps 1 and 2: rebuild READY from the facts view and pin its bytes (write-once)."""
    view = ledger.read_facts_view()
    if view is None:
        raise FailClosed(
            SR_LEDGER_INVALID,
            f"run {ledger.scenario_run_id} is READY but has no facts view",
            {"location": ledger.facts_view_location.uri},
        )
    message = build_ready_message(view, ledger.facts_view_location.uri, topic)
    if status.message_id != message.message_id:
        raise FailClosed(
            SR_LEDGER_INVALID,
            "run_status and run_facts_view name different READY message ids",
            {"status": status.message_id, "facts_view": message.message_id},
        )
    value = ready_message_bytes(message)
    stored = ledger.read_ready_signal()
    if stored is None:
        ledger.write_ready_signal(canonical_file_bytes(message.model_dump(mode="json")))
    elif stored != value + b"\n":
        raise FailClosed(
            READY_SIGNAL_CONFLICT,
            "ready_signal holds another READY than the facts view rebuilds",
            {"location": ledger.ready_signal_location.uri},
        )
    return PreparedReady(message.message_id, topic, value, view.platform_run_id.encode("ascii"))


def produce_ready(producer: BusProducer, ready: PreparedReady, *, scenario_run_id: str) -> Delivery:
    """Step 3: produce and block until the broker acknowledged (raises the bus port's errors)."""
    delivery = producer.produce_sync(
        ready.topic, ready.value, key=ready.key, headers={"message_id": ready.message_id.encode("ascii")}
    )
    log_event(
        _log,
        "sr_ready_delivered",
        platform_run_id=ready.key.decode("ascii"),
        scenario_run_id=scenario_run_id,
        message_id=ready.message_id,
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
    )
    return delivery


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {"topic": delivery.topic, "partition": delivery.partition, "offset": delivery.offset}
