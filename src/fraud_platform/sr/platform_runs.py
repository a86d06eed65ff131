"""Is a platform_run_id one SR may act for? Known (run.json exists), same profile flags, not closed.

Run/Operate mints the id and writes `evidence/runs/{id}/run.json` once; it closes a run with the
commit object `run_completed.json`. SR reads both by reference (it never imports Run/Operate, which
sits above it): an id that was never minted, was minted under other profile flags, or whose run is
already closed is refused before SR writes anything, so a stale or mistyped id cannot start a run.
"""

from __future__ import annotations

from fraud_platform.config.rehearsal import run_flags
from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.sr._reasons import PLATFORM_RUN_STALE, PLATFORM_RUN_UNKNOWN
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["RUN_COMPLETED_NAME", "check_platform_run"]

RUN_COMPLETED_NAME = "run_completed.json"


def check_platform_run(store: ObjectStore, profile: Profile, platform_run_id: str) -> None:
    """Raise unless `platform_run_id` is an open run of this profile.

    Raises:
        FailClosed(RUN_ID_INVALID): malformed id (before any read).
        FailClosed(PLATFORM_RUN_UNKNOWN): no run.json (never minted here) or an unreadable one.
        FailClosed(PLATFORM_RUN_STALE): minted under other profile flags, or already closed.
    """
    run = RunEvidence(profile.object_store.evidence_bucket, platform_run_id)
    try:
        data = store.get(run.run_manifest)
    except PlatformError as error:
        if error.code != OBJECT_MISSING:
            raise
        raise FailClosed(
            PLATFORM_RUN_UNKNOWN,
            f"{platform_run_id} has no run.json (mint a run with `fp run new`)",
            {"platform_run_id": platform_run_id, "location": run.run_manifest.uri},
        ) from error
    try:
        manifest = parse_json_bytes(data)
    except ValueError as error:
        raise FailClosed(PLATFORM_RUN_UNKNOWN, f"{run.run_manifest.uri} is not JSON") from error
    if not isinstance(manifest, dict) or manifest.get("platform_run_id") != platform_run_id:
        raise FailClosed(PLATFORM_RUN_UNKNOWN, f"{run.run_manifest.uri} does not describe {platform_run_id}")
    flags = {"profile": manifest.get("profile"), "rehearsal": manifest.get("rehearsal")}
    if flags != run_flags(profile):
        raise FailClosed(
            PLATFORM_RUN_STALE,
            f"{platform_run_id} was minted as {flags}, not {run_flags(profile)}",
            {"platform_run_id": platform_run_id, "run": flags, "asked": run_flags(profile)},
        )
    if store.head(run.prefix.child(RUN_COMPLETED_NAME)) is not None:
        raise FailClosed(
            PLATFORM_RUN_STALE,
            f"{platform_run_id} is closed ({RUN_COMPLETED_NAME} exists); mint a new run",
            {"platform_run_id": platform_run_id},
        )
