"""Reason codes owned by operate (run identity, run manifest, preflight, the demo)."""

from fraud_platform.core.reasons import reason

RUN_UNKNOWN = reason(
    "RUN_UNKNOWN", "no run.json exists for this platform_run_id (mint it with `fp run new`)", owner="operate"
)
RUN_ID_EXHAUSTED = reason(
    "RUN_ID_EXHAUSTED",
    "every candidate platform_run_id in the claim window was already taken",
    owner="operate",
    transient=True,
)
RUN_PROFILE_MISMATCH = reason(
    "RUN_PROFILE_MISMATCH", "the run was minted under another profile or rehearsal flag", owner="operate"
)
RUN_MANIFEST_INVALID = reason(
    "RUN_MANIFEST_INVALID", "run.json does not match the run-manifest contract", owner="operate"
)
PREFLIGHT_FAILED = reason(
    "PREFLIGHT_FAILED",
    "at least one preflight check failed; see preflight.json for each check",
    owner="operate",
)
PREFLIGHT_CONFIG_DRIFT = reason(
    "PREFLIGHT_CONFIG_DRIFT",
    "the profile resolves to another config digest than the one recorded in run.json",
    owner="operate",
)
GIT_REVISION_UNAVAILABLE = reason(
    "GIT_REVISION_UNAVAILABLE",
    "the code is in a git checkout but its revision could not be read (git missing, broken or untrusted)",
    owner="operate",
)
DEMO_FAILED = reason(
    "DEMO_FAILED", "a step of `make demo` failed; the substrates were stopped", owner="operate"
)
PROCESS_SPEC_INVALID = reason(
    "PROCESS_SPEC_INVALID",
    "a supervised process spec is malformed (empty command, unknown role, duplicate or unknown name)",
    owner="operate",
)
PROCESS_NOT_READY = reason(
    "PROCESS_NOT_READY",
    "a supervised process died or was not ready before its readiness deadline; refs carry its log tail",
    owner="operate",
)
PROCESS_DIED = reason(
    "PROCESS_DIED",
    "a supervised process died more often than its restart policy allows; refs carry exit code and log tail",
    owner="operate",
)
PROCESS_EXIT_TIMEOUT = reason(
    "PROCESS_EXIT_TIMEOUT",
    "a supervised process expected to finish was still running at its deadline",
    owner="operate",
)
LANE_FAILED = reason(
    "LANE_FAILED",
    "a step of `fp run lane` failed before the closure bundle (pack check, SR not READY, WSP result)",
    owner="operate",
)
STATEMENT_UNPROVEN = reason(
    "STATEMENT_UNPROVEN",
    "an acceptance statement of a run's closure bundle does not hold when re-checked from its evidence",
    owner="operate",
)
SHADOW_MISMATCH = reason(
    "SHADOW_MISMATCH",
    "the two runs of `fp run shadow` admitted different events, payloads, per-key order or decisions",
    owner="operate",
)
TEARDOWN_PROTECTED_PREFIX = reason(
    "TEARDOWN_PROTECTED_PREFIX",
    "teardown refused a delete outside the transient prefixes (oracle-store/, evidence/, pointers/ never)",
    owner="operate",
)
TEARDOWN_RUN_UNFINISHED = reason(
    "TEARDOWN_RUN_UNFINISHED",
    "the run has no run_completed.json: an unfinished run's transient data is not torn down",
    owner="operate",
)
TEARDOWN_DRIFT = reason(
    "TEARDOWN_DRIFT",
    "transient data of a finished run appeared that the run's stored teardown plan does not list",
    owner="operate",
)
TEARDOWN_INCOMPLETE = reason(
    "TEARDOWN_INCOMPLETE",
    "after teardown the run still has transient data that should have been removed",
    owner="operate",
)
TEARDOWN_GROUP_KEPT = reason(
    "TEARDOWN_GROUP_KEPT",
    "a consumer group could not be deleted (the broker refused or lacks DeleteGroups); proof records it",
    owner="operate",
)
TEARDOWN_TOPIC_RETAINED = reason(
    "TEARDOWN_TOPIC_RETAINED",
    "topic records of the run stay until the topic's retention expires them (topics are shared by runs)",
    owner="operate",
)
TEARDOWN_KEPT_FOR_VERIFY = reason(
    "TEARDOWN_KEPT_FOR_VERIFY",
    "run data that `fp run verify` re-reads is kept by teardown so the run still verifies",
    owner="operate",
)
TEARDOWN_VERSIONS_RETAINED = reason(
    "TEARDOWN_VERSIONS_RETAINED",
    "the bucket keeps versions: removed objects stay as noncurrent versions until expired or purged",
    owner="operate",
)
