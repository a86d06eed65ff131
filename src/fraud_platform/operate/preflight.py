"""`fp run preflight`: prove the substrates are fit for a run before anything starts.

Protocol:
1. read run.json (`RUN_UNKNOWN` if the run was never minted; `RUN_PROFILE_MISMATCH` if minted
   under another profile);
2. run every check of `preflight_checks` concurrently (each probe is short; the Kafka metadata
   timeout is a few seconds, so a broker that is down fails the whole preflight in seconds);
3. write the attempt once as `preflight_attempts/{seq:06d}.json` (a re-run is a new attempt, history kept)
   and move `preflight.json` (the latest verdict) to it by compare-and-swap;
4. emit `PREFLIGHT_PASSED` or `PREFLIGHT_FAILED`. When the operator's own Kafka check found the bus
   unreachable, the fact is stored but not published (it would only wait out a delivery timeout).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.time import format_utc
from fraud_platform.obs._reasons import EVIDENCE_CAS_CONTENDED
from fraud_platform.obs.emitter import EmittedFact
from fraud_platform.obs.evidence import RUN_ID_REGEX, append_to_sequence
from fraud_platform.obs.families import PREFLIGHT_FAILED, PREFLIGHT_PASSED
from fraud_platform.obs.logging import log_event
from fraud_platform.operate._reasons import PREFLIGHT_FAILED as PREFLIGHT_FAILED_CODE
from fraud_platform.operate.context import OPERATE_ACTOR, OPERATE_ROLE, OperateContext
from fraud_platform.operate.manifest import read_run_manifest
from fraud_platform.operate.preflight_checks import CheckResult, plan_checks
from fraud_platform.substrate._reasons import BUS_UNAVAILABLE
from fraud_platform.substrate.objectstore.cas import cas_update
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "PREFLIGHT_SCHEMA_VERSION",
    "PreflightCheck",
    "PreflightDocument",
    "PreflightReport",
    "run_preflight",
]

PREFLIGHT_SCHEMA_VERSION: Final = "fp.operate.preflight.v1"
_MAX_CAS_ATTEMPTS = 8
_MAX_WORKERS = 8

_log = logging.getLogger(__name__)


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PreflightCheck(_Document):
    """One check of a preflight attempt."""

    name: str
    role: str
    target: str = Field(description="what was probed: s3://bucket/prefix, kafka://bootstrap, a masked DSN")
    ok: bool
    code: str = Field(description="OK, or the reason code of the failure")
    detail: str
    seconds: float = Field(ge=0, description="how long the probe took")


class PreflightDocument(_Document):
    """The contract of `preflight_attempts/{seq:06d}.json` and `preflight.json` (the latest attempt)."""

    schema_version: Literal["fp.operate.preflight.v1"]
    platform_run_id: str = Field(pattern=RUN_ID_REGEX)
    profile: str
    rehearsal: bool
    attempt: int = Field(ge=1)
    checked_at_utc: str
    ok: bool
    code: str
    failed: list[str] = Field(description="`name:role` of every failed check")
    checks: list[PreflightCheck]


@dataclass(frozen=True)
class PreflightReport:
    """The outcome of one preflight attempt and where its evidence went."""

    platform_run_id: str
    attempt: int
    ok: bool
    checks: tuple[CheckResult, ...]
    attempt_uri: str
    latest_uri: str
    fact: EmittedFact

    @property
    def code(self) -> str:
        return "OK" if self.ok else str(PREFLIGHT_FAILED_CODE)

    @property
    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.ok]

    def to_json(self) -> dict[str, Any]:
        """The CLI payload: the verdict, where it is stored, and every check (failed ones first)."""
        return {
            "platform_run_id": self.platform_run_id,
            "attempt": self.attempt,
            "preflight": self.latest_uri,
            "preflight_attempt": self.attempt_uri,
            "event_id": self.fact.event_id,
            "audit_published": self.fact.delivery is not None,
            "failed": [check.to_json() for check in self.failed],
            "checks": [check.to_json() for check in self.checks],
        }


def _move_latest(store: ObjectStore, location: S3Location, data: bytes, attempt: int) -> None:
    """CAS `preflight.json` to this attempt unless a later attempt is already there."""

    def latest(current: bytes | None) -> bytes | None:
        if current is not None:
            current_attempt = parse_json_bytes(current).get("attempt", 0)
            if isinstance(current_attempt, int) and current_attempt > attempt:
                return None
        return data

    cas_update(store, location, latest, attempts=_MAX_CAS_ATTEMPTS, contended_code=EVIDENCE_CAS_CONTENDED)


def _bus_unreachable(checks: list[CheckResult]) -> bool:
    return any(
        check.name == "kafka_topics" and check.role == OPERATE_ROLE and check.code == BUS_UNAVAILABLE
        for check in checks
    )


def run_preflight(ctx: OperateContext, platform_run_id: str) -> PreflightReport:
    """Run every preflight check for a minted run, record the attempt and emit its fact.

    Never raises for a failed check (the report says so); raises only when the run is unknown or
    the evidence itself cannot be written.
    """
    manifest = read_run_manifest(ctx.store, ctx.evidence_bucket, platform_run_id, profile=ctx.profile)
    planned = plan_checks(ctx.profile, manifest)
    with ThreadPoolExecutor(max_workers=_MAX_WORKERS, thread_name_prefix="preflight") as pool:
        checks = list(pool.map(lambda check: check.run(ctx.clock), planned))
    ok = all(check.ok for check in checks)
    checked_at = format_utc(ctx.clock.now())
    run = ctx.run(platform_run_id)

    def body_for(attempt: int) -> bytes:
        document = PreflightDocument(
            schema_version=PREFLIGHT_SCHEMA_VERSION,
            platform_run_id=platform_run_id,
            profile=manifest.profile,
            rehearsal=manifest.rehearsal,
            attempt=attempt,
            checked_at_utc=checked_at,
            ok=ok,
            code="OK" if ok else str(PREFLIGHT_FAILED_CODE),
            failed=[check.name + ":" + check.role for check in checks if not check.ok],
            checks=[PreflightCheck(**check.to_json()) for check in checks],
        )
        return canonical_file_bytes(document.model_dump(mode="json"))

    attempt_location, attempt = append_to_sequence(ctx.store, run.preflight_attempts, body_for)
    _move_latest(ctx.store, run.preflight, body_for(attempt), attempt)
    details = {
        "attempt": attempt,
        "preflight": attempt_location.key.removeprefix(run.prefix.key),
        "checks": [
            {"name": c.name, "role": c.role, "target": c.target, "ok": c.ok, "code": c.code} for c in checks
        ],
        "failed": [check.name + ":" + check.role for check in checks if not check.ok],
    }
    fact = ctx.emitter.emit_fact(
        PREFLIGHT_PASSED if ok else PREFLIGHT_FAILED,
        ctx.pins(platform_run_id),
        details,
        OPERATE_ACTOR,
        publish=not _bus_unreachable(checks),
    )
    log_event(
        _log,
        "preflight_finished",
        level=logging.INFO if ok else logging.WARNING,
        platform_run_id=platform_run_id,
        attempt=attempt,
        ok=ok,
        failed=details["failed"],
    )
    return PreflightReport(
        platform_run_id, attempt, ok, tuple(checks), attempt_location.uri, run.preflight.uri, fact
    )
