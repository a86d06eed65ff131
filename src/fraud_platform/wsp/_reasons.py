"""Reason codes owned by the World Streamer Producer (docs/wsp.md explains each in context)."""

from fraud_platform.core.reasons import reason

__all__ = [
    "WSP_BUNDLE_HASH_MISMATCH",
    "WSP_CHECKPOINT_CONFLICT",
    "WSP_FACTS_VIEW_MISMATCH",
    "WSP_FACTS_VIEW_UNREADABLE",
    "WSP_IG_REFUSED",
    "WSP_IG_RESPONSE_INVALID",
    "WSP_IG_SERVER_ERROR",
    "WSP_IG_UNAVAILABLE",
    "WSP_MESSAGE_ID_MISMATCH",
    "WSP_OUTPUT_UNROUTED",
    "WSP_PACK_CHECK_FAILED",
    "WSP_READY_INVALID",
    "WSP_READY_NOT_SEEN",
    "WSP_RUN_CONFIG_MISMATCH",
    "WSP_VIEW_LOCATOR_INVALID",
    "WSP_VIEW_MANIFEST_MISMATCH",
]

_OWNER = "wsp"

# READY and its evidence: each is a REJECTED outcome (offset committed, fact emitted).
WSP_READY_INVALID = reason(
    "WSP_READY_INVALID",
    "the control message is not a READY of the contract (JSON, schema, header)",
    owner=_OWNER,
)
WSP_MESSAGE_ID_MISMATCH = reason(
    "WSP_MESSAGE_ID_MISMATCH",
    "READY's message_id does not recompute from its run ids and bundle hash (or differs from its header)",
    owner=_OWNER,
)
WSP_FACTS_VIEW_UNREADABLE = reason(
    "WSP_FACTS_VIEW_UNREADABLE",
    "the facts view READY references is absent, outside its run's ledger, or not a facts view",
    owner=_OWNER,
)
WSP_FACTS_VIEW_MISMATCH = reason(
    "WSP_FACTS_VIEW_MISMATCH",
    "READY disagrees with the facts view it references (run ids, world key, pack, outputs, locators)",
    owner=_OWNER,
)
WSP_RUN_CONFIG_MISMATCH = reason(
    "WSP_RUN_CONFIG_MISMATCH",
    "run_config_digest does not recompute from effective_policy on this profile (a different meaning)",
    owner=_OWNER,
)
WSP_BUNDLE_HASH_MISMATCH = reason(
    "WSP_BUNDLE_HASH_MISMATCH",
    "bundle_hash does not recompute from the facts view's locators, gate receipts and policy",
    owner=_OWNER,
)
WSP_PACK_CHECK_FAILED = reason(
    "WSP_PACK_CHECK_FAILED",
    "the Oracle consumer check refuses the pack READY names, or names other views than READY",
    owner=_OWNER,
)
WSP_VIEW_LOCATOR_INVALID = reason(
    "WSP_VIEW_LOCATOR_INVALID",
    "a stream-view locator in READY is malformed or points outside the pack root",
    owner=_OWNER,
)
WSP_VIEW_MANIFEST_MISMATCH = reason(
    "WSP_VIEW_MANIFEST_MISMATCH",
    "a view manifest or receipt READY names does not have its recorded SHA-256, or is not that view's",
    owner=_OWNER,
)
WSP_OUTPUT_UNROUTED = reason(
    "WSP_OUTPUT_UNROUTED", "an output READY names has no event route (it is not an event type)", owner=_OWNER
)
# Talking to IG.
WSP_IG_UNAVAILABLE = reason(
    "WSP_IG_UNAVAILABLE",
    "IG kept answering 408/429/503 or could not be reached until the retry budget ran out",
    owner=_OWNER,
    transient=True,
)
WSP_IG_REFUSED = reason(
    "WSP_IG_REFUSED", "IG refused a batch with a 4xx other than 408/429 (terminal for the run)", owner=_OWNER
)
WSP_IG_SERVER_ERROR = reason(
    "WSP_IG_SERVER_ERROR", "IG answered a 5xx other than 503 (terminal for the run)", owner=_OWNER
)
WSP_IG_RESPONSE_INVALID = reason(
    "WSP_IG_RESPONSE_INVALID",
    "IG's 200 answer is not an IngestBatchResponse with one decision per event, in request order",
    owner=_OWNER,
)
# Local state and the control loop.
WSP_CHECKPOINT_CONFLICT = reason(
    "WSP_CHECKPOINT_CONFLICT",
    "another WSP moved this output's checkpoint concurrently (one streamer per run and output)",
    owner=_OWNER,
)
WSP_READY_NOT_SEEN = reason(
    "WSP_READY_NOT_SEEN",
    "--once: no READY for the platform run arrived on the control topic before the deadline",
    owner=_OWNER,
    transient=True,
)
