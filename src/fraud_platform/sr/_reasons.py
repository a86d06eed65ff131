"""Reason codes owned by the Scenario Runner (docs/scenario-runner.md explains each in context)."""

from fraud_platform.core.reasons import reason

__all__ = [
    "CROSS_RUN_REEMIT_REFUSED",
    "EQUIV_KEY_COLLISION",
    "EVIDENCE_CONFLICT",
    "EVIDENCE_MISSING_DEADLINE",
    "EVIDENCE_WAITING",
    "FACTS_VIEW_CONFLICT",
    "ORACLE_PIN_CONTRADICTS_POINTER",
    "ORACLE_PIN_MISSING",
    "ORACLE_PIN_NOT_MANAGED",
    "ORACLE_ROOT_MISMATCH",
    "ORACLE_SCENARIO_MISMATCH",
    "ORACLE_STREAM_VIEW_ROOT_INVALID",
    "OUTPUT_NOT_STREAMED",
    "PLATFORM_RUN_MISMATCH",
    "PLATFORM_RUN_STALE",
    "PLATFORM_RUN_UNKNOWN",
    "READY_NOT_PUBLISHED",
    "READY_SIGNAL_CONFLICT",
    "REEMIT_KIND_UNSUPPORTED",
    "REEMIT_NOT_READY",
    "SR_LEASE_LOST",
    "SR_LEDGER_INVALID",
    "SR_PLAN_DRIFT",
    "SR_RUN_ID_INVALID",
    "SR_RUN_IN_PROGRESS",
    "SR_RUN_UNKNOWN",
    "SR_STATUS_CONTENDED",
    "STATE_REGRESSION",
]

_OWNER = "sr"

# Identity and the ledger.
EQUIV_KEY_COLLISION = reason(
    "EQUIV_KEY_COLLISION", "the run equivalence key was already used with a different intent", owner=_OWNER
)
STATE_REGRESSION = reason(
    "STATE_REGRESSION", "a run status may never move backwards or leave a terminal state", owner=_OWNER
)
SR_PLAN_DRIFT = reason(
    "SR_PLAN_DRIFT",
    "re-planning an existing scenario run gave other bytes than its write-once run_plan",
    owner=_OWNER,
)
SR_LEDGER_INVALID = reason(
    "SR_LEDGER_INVALID",
    "an SR ledger object (status, plan, facts view, ready signal) breaks its contract or names another run",
    owner=_OWNER,
)
SR_STATUS_CONTENDED = reason(
    "SR_STATUS_CONTENDED",
    "run_status kept moving under concurrent writers (compare-and-swap lost repeatedly)",
    owner=_OWNER,
    transient=True,
)
FACTS_VIEW_CONFLICT = reason(
    "FACTS_VIEW_CONFLICT",
    "a committed run_facts_view disagrees with the evidence re-evaluated now (bundle hash or message id)",
    owner=_OWNER,
)
READY_SIGNAL_CONFLICT = reason(
    "READY_SIGNAL_CONFLICT",
    "the write-once ready_signal holds another READY message than the one rebuilt from the facts view",
    owner=_OWNER,
)

# Run identity and leadership.
SR_RUN_ID_INVALID = reason(
    "SR_RUN_ID_INVALID", "a scenario_run_id is not 32 lowercase hex characters", owner=_OWNER
)
SR_RUN_UNKNOWN = reason(
    "SR_RUN_UNKNOWN",
    "no scenario run with this id is registered in the authority store (stale or foreign id)",
    owner=_OWNER,
)
SR_LEASE_LOST = reason(
    "SR_LEASE_LOST",
    "this driver's run lease expired or was taken over (stale fencing epoch); it writes nothing more",
    owner=_OWNER,
    transient=True,
)
SR_RUN_IN_PROGRESS = reason(
    "SR_RUN_IN_PROGRESS",
    "another submit or evaluate holds the run's lease; the current status is returned",
    owner=_OWNER,
    transient=True,
)
PLATFORM_RUN_UNKNOWN = reason(
    "PLATFORM_RUN_UNKNOWN",
    "the platform_run_id has no run.json in the evidence bucket (never minted, or another profile)",
    owner=_OWNER,
)
PLATFORM_RUN_STALE = reason(
    "PLATFORM_RUN_STALE",
    "the platform run is closed (run_completed.json exists) or was minted under other profile flags",
    owner=_OWNER,
)
PLATFORM_RUN_MISMATCH = reason(
    "PLATFORM_RUN_MISMATCH",
    "the scenario run belongs to another platform run than the one named",
    owner=_OWNER,
)

# Oracle pins.
ORACLE_PIN_MISSING = reason(
    "ORACLE_PIN_MISSING",
    "no Oracle pack root or scenario pin (dev_min: DEV_MIN_ORACLE_ENGINE_RUN_ROOT / _SCENARIO_ID)",
    owner=_OWNER,
)
ORACLE_PIN_NOT_MANAGED = reason(
    "ORACLE_PIN_NOT_MANAGED",
    "an Oracle pin is not an s3:// pack root in the profile's object-store bucket (a local path, another bucket)",
    owner=_OWNER,
)
ORACLE_PIN_CONTRADICTS_POINTER = reason(
    "ORACLE_PIN_CONTRADICTS_POINTER",
    "the profile's Oracle pins and the Oracle root pointer name different roots or scenarios",
    owner=_OWNER,
)
ORACLE_ROOT_MISMATCH = reason(
    "ORACLE_ROOT_MISMATCH", "the request names another Oracle pack root than the pinned one", owner=_OWNER
)
ORACLE_SCENARIO_MISMATCH = reason(
    "ORACLE_SCENARIO_MISMATCH", "the request names another scenario than the pinned one", owner=_OWNER
)
ORACLE_STREAM_VIEW_ROOT_INVALID = reason(
    "ORACLE_STREAM_VIEW_ROOT_INVALID",
    "the stream-view root pin does not sit under the pack root, or a view READY would name lies outside it",
    owner=_OWNER,
)

OUTPUT_NOT_STREAMED = reason(
    "OUTPUT_NOT_STREAMED",
    "a requested output is not streamed by WSP (no topic in the engine catalogue)",
    owner=_OWNER,
)

# Evidence outcomes.
EVIDENCE_WAITING = reason(
    "EVIDENCE_WAITING",
    "evidence is missing (seal, landing, gate, stream view); the run waits in WAITING_EVIDENCE",
    owner=_OWNER,
    transient=True,
)
EVIDENCE_MISSING_DEADLINE = reason(
    "EVIDENCE_MISSING_DEADLINE",
    "evidence was still missing at the run's deadline (budget sr_evidence_deadline_s); the run FAILED",
    owner=_OWNER,
)
EVIDENCE_CONFLICT = reason(
    "EVIDENCE_CONFLICT",
    "evidence contradicts its digests (tampered gate, landing, view or pack); the run is QUARANTINED",
    owner=_OWNER,
)

# READY publication and re-emit.
READY_NOT_PUBLISHED = reason(
    "READY_NOT_PUBLISHED",
    "READY is committed but its publication was not confirmed; `fp sr reemit RUN --kind READY` republishes it",
    owner=_OWNER,
    transient=True,
)
REEMIT_NOT_READY = reason("REEMIT_NOT_READY", "only a READY run can have its READY re-emitted", owner=_OWNER)
REEMIT_KIND_UNSUPPORTED = reason(
    "REEMIT_KIND_UNSUPPORTED", "re-emit supports --kind READY only", owner=_OWNER
)
CROSS_RUN_REEMIT_REFUSED = reason(
    "CROSS_RUN_REEMIT_REFUSED",
    "a READY may only be re-emitted to the platform run it was committed for",
    owner=_OWNER,
)
