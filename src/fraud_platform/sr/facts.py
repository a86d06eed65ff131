"""Governance-fact families the Scenario Runner emits, registered with obs like every other family.

Details hold what happened and nothing wall-clock (obs refuses `*_at_utc`), so observing the same
outcome again re-emits the same fact (same event_id, idempotent). Each publication of READY is its
own fact: its details carry the bus position, which differs per delivery.
"""

from __future__ import annotations

from fraud_platform.obs.families import register_family

__all__ = [
    "SR_EVIDENCE_WAITING",
    "SR_READY_COMMITTED",
    "SR_READY_PUBLISHED",
    "SR_READY_REEMITTED",
    "SR_RUN_ACCEPTED",
    "SR_RUN_FAILED",
    "SR_RUN_QUARANTINED",
]

_RUN = ("scenario_run_id",)

SR_RUN_ACCEPTED = register_family(
    "SR_RUN_ACCEPTED",
    "SR accepted a scenario run (equivalence key registered, plan written)",
    owner="sr",
    required_details=(*_RUN, "intent_fingerprint", "run_config_digest", "plan_ref"),
)
SR_EVIDENCE_WAITING = register_family(
    "SR_EVIDENCE_WAITING",
    "a scenario run waits for missing Oracle evidence (seal, gate, stream view)",
    owner="sr",
    required_details=(*_RUN, "reasons"),
)
SR_READY_COMMITTED = register_family(
    "SR_READY_COMMITTED",
    "SR committed READY for a scenario run (facts view written, status READY)",
    owner="sr",
    required_details=(*_RUN, "message_id", "bundle_hash", "facts_view_ref"),
)
SR_READY_PUBLISHED = register_family(
    "SR_READY_PUBLISHED",
    "the READY control message was delivered to the control topic (broker acknowledged)",
    owner="sr",
    required_details=(*_RUN, "message_id", "topic", "partition", "offset"),
)
SR_READY_REEMITTED = register_family(
    "SR_READY_REEMITTED",
    "the identical READY message was published again on request (fp sr reemit)",
    owner="sr",
    required_details=(*_RUN, "message_id", "topic", "partition", "offset"),
)
SR_RUN_FAILED = register_family(
    "SR_RUN_FAILED",
    "a scenario run FAILED (evidence still missing at its deadline)",
    owner="sr",
    required_details=(*_RUN, "reason"),
)
SR_RUN_QUARANTINED = register_family(
    "SR_RUN_QUARANTINED",
    "a scenario run was QUARANTINED (evidence contradicts its digests)",
    owner="sr",
    required_details=(*_RUN, "reason", "failures"),
)
