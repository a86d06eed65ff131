"""Reason codes owned by obs (governance facts, evidence, telemetry)."""

from fraud_platform.core.reasons import reason

FACT_FAMILY_UNKNOWN = reason(
    "FACT_FAMILY_UNKNOWN", "a governance fact names a family that no package registered", owner="obs"
)
FACT_INVALID = reason(
    "FACT_INVALID",
    "a governance fact breaks the fact model (pins, required details, a wall-clock field in its identity)",
    owner="obs",
)
FACT_CONFLICT = reason(
    "FACT_CONFLICT", "a governance fact with this event_id already exists with different bytes", owner="obs"
)
RUN_ID_INVALID = reason(
    "RUN_ID_INVALID", "a platform_run_id is not of the form platform_YYYYMMDDTHHMMSSZ", owner="obs"
)
EVIDENCE_SEQ_EXHAUSTED = reason(
    "EVIDENCE_SEQ_EXHAUSTED",
    "no free sequence number for a telemetry part or preflight attempt (too many concurrent writers)",
    owner="obs",
    transient=True,
)
EVIDENCE_SEQ_INVALID = reason(
    "EVIDENCE_SEQ_INVALID",
    "a sequence append names an impossible number or key (outside 1..999999, not a .json key)",
    owner="obs",
)
TELEMETRY_ROLLUP_REGRESSED = reason(
    "TELEMETRY_ROLLUP_REGRESSED",
    "a telemetry rollup would drop parts the current telemetry.json already counts (it only grows)",
    owner="obs",
)
TELEMETRY_INVALID = reason(
    "TELEMETRY_INVALID", "a telemetry snapshot is not a nested mapping of non-negative integers", owner="obs"
)
EVIDENCE_INVALID = reason(
    "EVIDENCE_INVALID", "an evidence object read back does not match its contract", owner="obs"
)
EVIDENCE_CAS_CONTENDED = reason(
    "EVIDENCE_CAS_CONTENDED",
    "a latest-state evidence document (preflight.json, telemetry.json) kept moving under concurrent writers",
    owner="obs",
    transient=True,
)
BUDGET_EXCEEDED = reason(
    "BUDGET_EXCEEDED",
    "a run's cost estimate is over the budget cap the profile sets for it (refused before the next rung)",
    owner="obs",
)
PRICE_TABLE_INCOMPLETE = reason(
    "PRICE_TABLE_INCOMPLETE",
    "a cost estimate has usage on a line whose price the profile leaves unknown (null), so no cap can be proven",
    owner="obs",
)
LINEAGE_EVENT_INVALID = reason(
    "LINEAGE_EVENT_INVALID",
    "an OpenLineage event breaks the OpenLineage model (job name, run id, dataset URI, event type, time)",
    owner="obs",
)
LINEAGE_SEND_FAILED = reason(
    "LINEAGE_SEND_FAILED",
    "the profile's OpenLineage endpoint refused or did not answer a lineage event",
    owner="obs",
    transient=True,
)
REPORT_DATA_INVALID = reason(
    "REPORT_DATA_INVALID", "the data given to the run report page breaks the report model", owner="obs"
)
RECONCILIATION_FAILED = reason(
    "RECONCILIATION_FAILED",
    "a run's counts do not reconcile across WSP checkpoints, IG receipts and the Event Bus read back",
    owner="obs",
)
CLOSURE_CONFLICT = reason(
    "CLOSURE_CONFLICT",
    "a deterministic closure-bundle file is already stored with other bytes (the run's records changed)",
    owner="obs",
)
CLOSURE_UNCOMMITTED = reason(
    "CLOSURE_UNCOMMITTED",
    "a run has no run_completed.json: its closure bundle was never committed",
    owner="obs",
)
CLOSURE_DIGEST_MISMATCH = reason(
    "CLOSURE_DIGEST_MISMATCH",
    "a closure-bundle file is missing or its sha256 differs from the one run_completed.json holds",
    owner="obs",
)
