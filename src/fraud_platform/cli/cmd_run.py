"""Runs: mint a platform_run_id (`new`), check the substrates for it (`preflight`), list its evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fraud_platform.cli.options import (
    JsonFlag,
    OutputsOption,
    ProfileOption,
    RehearsalFlag,
    RoleOption,
    RunOption,
)
from fraud_platform.cli.output import Output
from fraud_platform.cli.parsing import comma_list
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import LOCAL_PARITY, fp_home, load_profile, role_credentials
from fraud_platform.obs._reasons import RECONCILIATION_FAILED
from fraud_platform.obs.logging import bind_run, configure_logging
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.evidence_listing import aws_cli_hint, list_run_evidence
from fraud_platform.operate.gitrev import git_revision
from fraud_platform.operate.lane import run_lane, verify_run
from fraud_platform.operate.lane.ladder import run_ladder
from fraud_platform.operate.manifest import read_run_manifest
from fraud_platform.operate.preflight import run_preflight
from fraud_platform.operate.runs import new_run, record_telemetry
from fraud_platform.substrate.factory import open_object_store

NAME = "run"
app = typer.Typer(no_args_is_help=True)

_EVIDENCE_READER = "auditor"  # reads evidence/ only, writes nothing (bootstrap/roles.py)
_COMPONENT = "operate"


def _log_path() -> Path:
    return fp_home() / "logs" / f"{_COMPONENT}.jsonl"


def _summary(payload: dict[str, Any]) -> dict[str, Any]:
    """The human summary of a payload: lists (already shown as tables) become their lengths."""
    return {key: len(value) if isinstance(value, list) else value for key, value in payload.items()}


def _context(
    profile: str, rehearsal: bool, platform_run_id: str | None, *, reader_role: str | None = None
) -> OperateContext:
    """The operator's context, or one whose store reads under `reader_role` (read-only commands)."""
    configure_logging(_COMPONENT, platform_run_id, _log_path())
    loaded = load_profile(profile, rehearsal=True if rehearsal else None)
    if reader_role is None:
        return OperateContext(loaded)
    return OperateContext(loaded, store=open_object_store(role_credentials(loaded, reader_role)))


@app.command("new")
def new_command(
    profile: ProfileOption = LOCAL_PARITY, json_mode: JsonFlag = False, rehearsal: RehearsalFlag = False
) -> None:
    """Mint a platform_run_id: write run.json once and emit RUN_MINTED. Prints the id to pass on."""

    def body(out: Output) -> None:
        with _context(profile, rehearsal, None) as ctx:
            minted = new_run(ctx, git_revision=git_revision())
            bind_run(minted.platform_run_id)
            telemetry = record_telemetry(ctx, minted.platform_run_id, "run-new")
        manifest = minted.manifest
        if not json_mode:
            out.info(
                f"minted [bold]{minted.platform_run_id}[/bold] ({manifest.profile}, rehearsal={manifest.rehearsal})"
            )
            out.info(f"  run.json  {minted.run_manifest_uri}")
            out.info(f"  fact      {minted.fact.location.uri}")
        out.result(
            {
                "platform_run_id": minted.platform_run_id,
                "run_manifest": minted.run_manifest_uri,
                "event_id": minted.fact.event_id,
                "profile": manifest.profile,
                "rehearsal": manifest.rehearsal,
                "config_digest": manifest.config_digest,
                "git_revision": manifest.git_revision,
                "telemetry": telemetry.rollup_uri,
            }
        )

    run_command(json_mode, body)


@app.command("preflight")
def preflight_command(
    platform_run_id: RunOption,
    profile: ProfileOption = LOCAL_PARITY,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Check S3, Kafka and the state store under each role's credentials; exit 2 with PREFLIGHT_FAILED."""

    def body(out: Output) -> None:
        with _context(profile, rehearsal, platform_run_id) as ctx:
            report = run_preflight(ctx, platform_run_id)
            record_telemetry(ctx, platform_run_id, "preflight")
        if not json_mode:
            out.table(
                f"preflight of {platform_run_id} (attempt {report.attempt})",
                ["check", "role", "target", "ok", "code", "detail"],
                [
                    [c.name, c.role, c.target, "yes" if c.ok else "NO", c.code, c.detail]
                    for c in report.checks
                ],
            )
            out.info(f"  preflight.json  {report.latest_uri}")
        payload = report.to_json() if json_mode else _summary(report.to_json())
        if not report.ok:
            raise CheckFailed(report.code, payload)
        out.result(payload)

    run_command(json_mode, body)


@app.command("evidence")
def evidence_command(
    platform_run_id: RunOption,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = _EVIDENCE_READER,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """List every evidence object of a run (s3:// URIs and sizes), and how to list them with the aws cli."""

    def body(out: Output) -> None:
        with _context(profile, rehearsal, platform_run_id, reader_role=role) as ctx:
            read_run_manifest(ctx.store, ctx.evidence_bucket, platform_run_id, profile=ctx.profile)
            objects = list_run_evidence(ctx, platform_run_id)
            hint = aws_cli_hint(ctx, platform_run_id)
        if not json_mode:
            out.table(
                f"evidence of {platform_run_id}", ["object", "bytes"], [[o.uri, o.size] for o in objects]
            )
            out.info(f"  with the aws cli: {hint}")
        payload = {
            "platform_run_id": platform_run_id,
            "prefix": ctx.run(platform_run_id).prefix.uri,
            "objects": [{"uri": o.uri, "size": o.size} for o in objects],
            "aws_cli": hint,
        }
        out.result(payload if json_mode else _summary(payload))

    run_command(json_mode, body)


_COUNTER_COLUMNS = ("view_rows", "sent", "admitted", "duplicate", "quarantined", "on_topic")


@app.command("lane")
def lane_command(
    events_per_output: Annotated[
        int, typer.Option("--events-per-output", metavar="N", min=1, help="Cap of events per output.")
    ],
    platform_run_id: Annotated[
        str | None,
        typer.Option(
            "--run", metavar="PLATFORM_RUN_ID", help="Rerun (converge) this run instead of minting."
        ),
    ] = None,
    outputs: OutputsOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Run the lane once (preflight, pack check, IG + WSP supervised, SR, reconcile) and commit its bundle."""

    def body(out: Output) -> None:
        configure_logging(_COMPONENT, platform_run_id, _log_path())
        loaded = load_profile(profile, rehearsal=True if rehearsal else None)
        wanted = comma_list(outputs)
        result = run_lane(
            loaded,
            events_per_output=events_per_output,
            logs=fp_home() / "logs" / "lane",
            outputs=wanted,
            platform_run_id=platform_run_id,
            git_revision=git_revision(),
            step=out.info,
        )
        counters = result.summary.get("counters", {})
        if not json_mode:
            out.table(
                f"{result.platform_run_id}: {result.verdict}",
                ["output", *_COUNTER_COLUMNS],
                [[name, *(row.get(column) for column in _COUNTER_COLUMNS)] for name, row in counters.items()],
            )
            out.info(f"  evidence  {result.evidence}")
            out.info(f"  report    {result.report}")
        payload = result.to_json()
        if result.verdict != "PASS":
            raise CheckFailed(result.code, payload)
        out.result(payload)

    run_command(json_mode, body)


def _rung_list(text: str) -> list[int]:
    try:
        rungs = [int(item) for item in comma_list(text) or []]
    except ValueError as error:
        raise typer.BadParameter(f"not a comma-separated list of integers: {text!r}") from error
    if not rungs or any(events <= 0 for events in rungs):
        raise typer.BadParameter("every rung must be a positive events-per-output cap")
    return rungs


def _check_rungs(text: str | None) -> str | None:
    """Validate `--rungs` while parsing, so a malformed list is a usage error (exit 64), not a bug."""
    if text is not None:
        _rung_list(text)
    return text


@app.command("ladder")
def ladder_command(
    rungs: Annotated[
        str | None,
        typer.Option(
            "--rungs",
            metavar="N[,N…]",
            callback=_check_rungs,
            help="Events per output of each rung (default: budgets.ladder).",
        ),
    ] = None,
    outputs: OutputsOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Run the lane once per rung, stopping at the first failure or before a rung projected over budget."""

    def body(out: Output) -> None:
        configure_logging(_COMPONENT, None, _log_path())
        loaded = load_profile(profile, rehearsal=True if rehearsal else None)
        wanted_rungs = _rung_list(rungs) if rungs is not None else list(loaded.budgets.ladder)
        wanted = comma_list(outputs)
        result = run_ladder(
            loaded,
            rungs=wanted_rungs,
            logs=fp_home() / "logs" / "lane",
            outputs=wanted,
            git_revision=git_revision(),
            step=out.info,
        )
        payload = result.to_json()
        if not json_mode:
            out.table(
                f"{result.ladder_id}: {result.climb.code}",
                ["rung", "events/output", "status", "code", "run", "cost USD", "projected USD"],
                [
                    [
                        r["rung"],
                        r["events_per_output"],
                        r["status"],
                        r["code"],
                        r["platform_run_id"],
                        r["cost_usd"],
                        r["projected_usd"],
                    ]
                    for r in payload["rungs"]
                ],
            )
            out.info(f"  summary  {result.summary_uri}")
        if not result.climb.ok:
            stopped = result.climb.rungs[-1]
            raise CheckFailed(
                result.climb.code,
                {
                    **payload,
                    "detail": f"rung {stopped.rung} {stopped.status}: {stopped.detail or stopped.code}",
                },
            )
        out.result(payload)

    run_command(json_mode, body)


@app.command("verify")
def verify_command(
    platform_run_id: Annotated[str, typer.Argument(metavar="PLATFORM_RUN_ID", help="The run to verify.")],
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = _EVIDENCE_READER,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Re-read a run's closure bundle: every sha256 in run_completed.json, then the counters; exit 2 if not PASS."""

    def body(out: Output) -> None:
        with _context(profile, rehearsal, platform_run_id, reader_role=role) as ctx:
            result = verify_run(ctx.store, ctx.evidence_bucket, platform_run_id, profile=ctx.profile.profile)
        if not json_mode:
            out.info(
                f"{platform_run_id}: {result.verdict} ({result.files_checked} files, every sha256 checked)"
            )
            for problem in result.problems:
                out.info(f"  problem: {problem}")
        if not result.ok:
            raise CheckFailed(str(RECONCILIATION_FAILED), result.to_json())
        out.result(result.to_json())

    run_command(json_mode, body)
