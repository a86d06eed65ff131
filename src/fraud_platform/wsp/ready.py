"""Reading a control record: is it a READY of the contract, and is it for the run this WSP serves?

Nothing here trusts the record: its bytes must parse as the strict `ControlMessage`, its header must
name the same `message_id` as its body, and that id must recompute from the run ids and
`bundle_hash` (CONTRACTS.md: sha256("ready|" + platform_run_id + "|" + scenario_run_id + "|" +
bundle_hash)). The formula is restated here rather than imported from SR, because WSP meets SR only
through the READY/facts-view models: a consumer recomputes ids, it does not borrow the producer's code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import ValidationError

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.sr.messages import ControlMessage
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.wsp._reasons import WSP_MESSAGE_ID_MISMATCH, WSP_READY_INVALID

__all__ = ["MESSAGE_ID_HEADER", "ControlRecord", "claims_of", "parse_control_record", "ready_message_id"]

MESSAGE_ID_HEADER = "message_id"


@dataclass(frozen=True)
class ControlRecord:
    """A control record as consumed: its identity claims, before any verification of the body."""

    message: BusMessage
    value_sha256: str
    claimed_message_id: str
    claimed_platform_run_id: str


def ready_message_id(platform_run_id: str, scenario_run_id: str, bundle_hash: str) -> str:
    """The READY message id of CONTRACTS.md, recomputed by the consumer."""
    return hashlib.sha256(f"ready|{platform_run_id}|{scenario_run_id}|{bundle_hash}".encode()).hexdigest()


def claims_of(message: BusMessage) -> ControlRecord:
    """The message_id and platform_run_id a record claims (header and key first, body as fallback).

    Used to decide scope and dedupe before the body is trusted; a record that claims nothing
    usable gets empty strings and is then rejected by :func:`parse_control_record`.
    """
    value_sha256 = hashlib.sha256(message.value).hexdigest()
    header = message.headers.get(MESSAGE_ID_HEADER, b"").decode("ascii", errors="replace")
    key = (message.key or b"").decode("ascii", errors="replace")
    return ControlRecord(message, value_sha256, header, key)


def parse_control_record(record: ControlRecord) -> ControlMessage:
    """The verified-shape READY of a record; FailClosed(WSP_READY_INVALID / WSP_MESSAGE_ID_MISMATCH)."""
    try:
        control = ControlMessage.model_validate(parse_json_bytes(record.message.value))
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FailClosed(WSP_READY_INVALID, f"the control record is not a READY: {first}") from error
    payload = control.payload
    if record.claimed_platform_run_id != payload.platform_run_id:
        raise FailClosed(
            WSP_READY_INVALID,
            "the record's key is not the READY's platform_run_id",
            {"key": record.claimed_platform_run_id, "platform_run_id": payload.platform_run_id},
        )
    recomputed = ready_message_id(payload.platform_run_id, payload.scenario_run_id, payload.bundle_hash)
    if control.message_id != recomputed or record.claimed_message_id != control.message_id:
        raise FailClosed(
            WSP_MESSAGE_ID_MISMATCH,
            "the READY's message_id (body and header) does not recompute from its run ids and bundle_hash",
            {"body": control.message_id, "header": record.claimed_message_id, "recomputed": recomputed},
        )
    return control
