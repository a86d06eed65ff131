"""Run lifecycle for Run/Operate: mint a run (run.json + RUN_MINTED) and record run telemetry."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraud_platform.obs.emitter import EmittedFact
from fraud_platform.obs.families import RUN_MINTED
from fraud_platform.obs.logging import log_event
from fraud_platform.obs.telemetry import TelemetryRecorder, rollup_telemetry
from fraud_platform.operate.context import OPERATE_ACTOR, OperateContext
from fraud_platform.operate.manifest import RunManifest, mint_run

__all__ = [
    "MintedRun",
    "RecordedTelemetry",
    "new_run",
    "record_telemetry",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MintedRun:
    """A freshly minted run: its manifest, where run.json is, and the RUN_MINTED fact."""

    manifest: RunManifest
    run_manifest_uri: str
    fact: EmittedFact

    @property
    def platform_run_id(self) -> str:
        return self.manifest.platform_run_id


def new_run(ctx: OperateContext, *, git_revision: str | None) -> MintedRun:
    """Mint a platform_run_id (write-once run.json) and emit RUN_MINTED.

    run.json is written first and is the claim; if the audit bus is down the fact object is still
    stored and the error (BUS_UNAVAILABLE) is raised with the minted id in its refs.
    """
    manifest = mint_run(
        ctx.store, ctx.evidence_bucket, ctx.profile, clock=ctx.clock, git_revision=git_revision
    )
    run = ctx.run(manifest.platform_run_id)
    log_event(
        _log,
        "run_minted",
        platform_run_id=manifest.platform_run_id,
        profile=manifest.profile,
        rehearsal=manifest.rehearsal,
        run_manifest=run.run_manifest.uri,
    )
    fact = ctx.emitter.emit_fact(
        RUN_MINTED,
        ctx.pins(manifest.platform_run_id),
        {"run_manifest": "run.json", "config_digest": manifest.config_digest},
        OPERATE_ACTOR,
    )
    return MintedRun(manifest, run.run_manifest.uri, fact)


def record_telemetry(
    ctx: OperateContext,
    platform_run_id: str,
    phase: str,
    *,
    baseline: Mapping[str, Any] | None = None,
) -> RecordedTelemetry:
    """Write this process's data movement since `baseline` as a telemetry part, then roll up telemetry.json.

    `baseline=None` counts from process start: right for a CLI command, whose process serves one run.
    """
    recorder = TelemetryRecorder(
        ctx.store, ctx.evidence_bucket, platform_run_id, OPERATE_ACTOR, clock=ctx.clock, baseline=baseline
    )
    part = recorder.record(phase)
    rollup = rollup_telemetry(ctx.store, ctx.evidence_bucket, platform_run_id)
    return RecordedTelemetry(part.uri, ctx.run(platform_run_id).telemetry_rollup.uri, rollup)


@dataclass(frozen=True)
class RecordedTelemetry:
    """Where a telemetry part and the run's rollup went, and the rollup itself."""

    part_uri: str
    rollup_uri: str
    rollup: dict[str, Any]
