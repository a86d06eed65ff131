"""`run.json`: the run manifest, written once when a platform_run_id is minted.

Its write-once put *is* the claim of the id (see `run_id.py`): the body carries a random
`claim_token`, so two minters in the same second never write identical bytes (the loser gets a
conflict and moves to the next second), while a retry of one's own put finds its own bytes and
succeeds. A run is *known* exactly when its run.json exists; every later step is handed the id
explicitly and reads run.json to check it; no "current run" file exists anywhere.
"""

from __future__ import annotations

import secrets
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

import fraud_platform
from fraud_platform.config import Profile, config_digest, redacted_view, run_flags
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.obs.evidence import OBJECT_CONFLICT_CODE, RUN_ID_REGEX, RunEvidence
from fraud_platform.operate._reasons import RUN_MANIFEST_INVALID, RUN_PROFILE_MISMATCH, RUN_UNKNOWN
from fraud_platform.operate.run_id import DEFAULT_CLAIM_WINDOW_S, claim_run_id
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["RUN_MANIFEST_SCHEMA_VERSION", "RunManifest", "mint_run", "read_run_manifest"]

RUN_MANIFEST_SCHEMA_VERSION: Final = "fp.operate.run_manifest.v1"


class RunManifest(BaseModel):
    """The contract of `evidence/runs/{platform_run_id}/run.json`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    schema_version: Literal["fp.operate.run_manifest.v1"]
    platform_run_id: str = Field(pattern=RUN_ID_REGEX)
    profile: str
    rehearsal: bool
    minted_at_utc: str = Field(description="wall-clock mint time; the id's second may be later (claim)")
    config_digest: dict[str, str] = Field(description="config_digest(profile): cj1 digest of `handles`")
    handles: dict[str, JsonValue] = Field(description="the resolved profile with every secret masked")
    package_version: str
    git_revision: str | None = Field(description="git HEAD of the code, null outside a git checkout")
    claim_token: str = Field(pattern=r"^[0-9a-f]{32}$")

    @property
    def flags(self) -> dict[str, Any]:
        """`{"profile", "rehearsal"}` as every record of this run carries them."""
        return {"profile": self.profile, "rehearsal": self.rehearsal}


def mint_run(
    store: ObjectStore,
    evidence_bucket: str,
    profile: Profile,
    *,
    clock: Clock,
    git_revision: str | None,
    claim_token: str | None = None,
    max_attempts: int = DEFAULT_CLAIM_WINDOW_S,
) -> RunManifest:
    """Claim a fresh platform_run_id by writing its run.json once; return the manifest written.

    Blocking (one conditional PUT per candidate second). Not idempotent across calls: each call mints
    a new run. Raises TransientError(RUN_ID_EXHAUSTED) when the whole claim window is taken, and the
    object store's own errors (unavailable, access denied) unchanged.
    """
    token = claim_token or secrets.token_hex(16)
    base: dict[str, Any] = {
        "schema_version": RUN_MANIFEST_SCHEMA_VERSION,
        **run_flags(profile),
        "minted_at_utc": format_utc(clock.now()),
        "config_digest": config_digest(profile),
        "handles": redacted_view(profile),
        "package_version": fraud_platform.__version__,
        "git_revision": git_revision,
        "claim_token": token,
    }
    written: dict[str, RunManifest] = {}

    def try_claim(candidate: str) -> bool:
        manifest = RunManifest.model_validate({**base, "platform_run_id": candidate})
        location = RunEvidence(evidence_bucket, candidate).run_manifest
        try:
            store.put_if_absent(
                location,
                canonical_file_bytes(manifest.model_dump(mode="json")),
                content_type="application/json",
            )
        except PlatformError as error:
            if error.code != OBJECT_CONFLICT_CODE:
                raise
            return False
        written[candidate] = manifest
        return True

    run_id = claim_run_id(clock, try_claim, max_attempts=max_attempts)
    return written[run_id]


def read_run_manifest(
    store: ObjectStore, evidence_bucket: str, platform_run_id: str, *, profile: Profile | None = None
) -> RunManifest:
    """Read and validate run.json; with `profile`, also check the run belongs to it.

    Raises:
        FailClosed(RUN_ID_INVALID): malformed id.
        FailClosed(RUN_UNKNOWN): no run.json for this id.
        FailClosed(RUN_MANIFEST_INVALID): run.json breaks the contract or names another id.
        FailClosed(RUN_PROFILE_MISMATCH): minted under another profile or rehearsal flag.
    """
    location = RunEvidence(evidence_bucket, platform_run_id).run_manifest
    try:
        data = store.get(location)
    except PlatformError as error:
        if error.code != OBJECT_MISSING:
            raise
        raise FailClosed(
            RUN_UNKNOWN,
            f"no run.json for {platform_run_id} (mint a run with `fp run new`)",
            {"platform_run_id": platform_run_id, "location": location.uri},
        ) from error
    try:
        manifest = RunManifest.model_validate(parse_json_bytes(data))
    except (ValidationError, ValueError) as error:
        raise FailClosed(
            RUN_MANIFEST_INVALID, f"{location.uri}: {error}", {"location": location.uri}
        ) from error
    if manifest.platform_run_id != platform_run_id:
        raise FailClosed(
            RUN_MANIFEST_INVALID,
            f"{location.uri} names {manifest.platform_run_id}",
            {"location": location.uri},
        )
    if profile is not None and manifest.flags != run_flags(profile):
        raise FailClosed(
            RUN_PROFILE_MISMATCH,
            f"run {platform_run_id} was minted as {manifest.flags}, not {run_flags(profile)}",
            {"platform_run_id": platform_run_id, "run": manifest.flags, "asked": run_flags(profile)},
        )
    return manifest
