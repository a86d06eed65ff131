"""The READY control message, rebuilt byte for byte from the facts view.

The message is a pure function of the facts view and its URI: both timestamps are the view's
`emitted_at_utc` (when READY was decided), so a recovery after a crash or an explicit re-emit
publishes exactly the same bytes with the same `message_id`. When each publication actually
happened is recorded beside it (run_record READY_PUBLISHED / READY_REEMITTED, with the bus offset).
"""

from __future__ import annotations

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.sr._reasons import FACTS_VIEW_CONFLICT
from fraud_platform.sr.documents import FactsView
from fraud_platform.sr.identity import ready_message_id
from fraud_platform.sr.messages import ControlKind, ControlMessage, OraclePackRef, ReadyPayload, WorldKey

__all__ = ["build_ready_message", "ready_message_bytes"]


def build_ready_message(view: FactsView, facts_view_ref: str, topic: str = CONTROL_TOPIC) -> ControlMessage:
    """The READY message a facts view stands for; its message id is recomputed, never copied."""
    message_id = ready_message_id(view.platform_run_id, view.scenario_run_id, view.bundle_hash)
    if message_id != view.message_id:
        raise FailClosed(
            FACTS_VIEW_CONFLICT,
            "the facts view's message_id does not recompute from its run ids and bundle hash",
            {"recorded": view.message_id, "recomputed": message_id},
        )
    payload = ReadyPayload(
        platform_run_id=view.platform_run_id,
        scenario_run_id=view.scenario_run_id,
        run_config_digest=view.run_config_digest,
        bundle_hash=view.bundle_hash,
        facts_view_ref=facts_view_ref,
        world_key=WorldKey.model_validate(view.world_key),
        oracle_pack_ref=OraclePackRef.model_validate(view.oracle_pack_ref),
        intended_outputs=list(view.intended_outputs),
        emitted_at_utc=view.emitted_at_utc,
    )
    return ControlMessage(
        topic=topic,
        message_id=message_id,
        published_at_utc=view.emitted_at_utc,
        kind=ControlKind.READY,
        payload=payload,
    )


def ready_message_bytes(message: ControlMessage) -> bytes:
    """The record value on the bus: cj1 of the message (the ready_signal object adds one newline)."""
    return canonical_bytes(message.model_dump(mode="json"))
