"""Runs: mint a platform_run_id (`new`), check the substrates for it (`preflight`), list its evidence."""

from __future__ import annotations

import json
import os
import sys
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from fraud_platform.cli.options import (
    EventsPerOutputOption,
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
from fraud_platform.operate._reasons import STATEMENT_UNPROVEN
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.evidence_listing import aws_cli_hint, list_run_evidence
from fraud_platform.operate.gitrev import git_revision
from fraud_platform.operate.lane import run_lane, verify_run
from fraud_platform.operate.lane.ladder import run_ladder
from fraud_platform.operate.lane.report_file import fetch_report
from fraud_platform.operate.lane.shadow import run_shadow
from fraud_platform.operate.manifest import read_run_manifest
from fraud_platform.operate.preflight import run_preflight
from fraud_platform.operate.runs import new_run, record_telemetry
from fraud_platform.operate.teardown import (
    TABLE_COLUMNS,
    SweepOutcome,
    TeardownOutcome,
    open_site,
    sweep,
    teardown_run,
)
from fraud_platform.substrate.factory import open_object_store

NAME = "run"
app = typer.Typer(no_args_is_help=True)

_EVIDENCE_READER = "auditor"  # reads evidence/ only, writes nothing (bootstrap/roles.py)
# `fp run verify` re-reads the pack and IG's receipts too: the reporter reads both buckets, writes
# only under evidence/runs/ (and verify writes nothing).
_VERIFY_READER = "reporter"
_COMPONENT = "operate"


def _log_path() -> Path:
    return fp_home() / "logs" / f"{_COMPONENT}.jsonl"


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
        payload = report.to_json()
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
        out.result(payload)

    run_command(json_mode, body)


_COUNTER_COLUMNS = ("view_rows", "sent", "admitted", "duplicate", "quarantined", "on_topic")


@app.command("lane")
def lane_command(
    events_per_output: EventsPerOutputOption,
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


_SHADOW_COLUMNS = ("left_admitted", "right_admitted", "in_both", "differences")


@app.command("shadow")
def shadow_command(
    left_root: Annotated[str, typer.Option("--left-root", metavar="S3_URI", help="Reference pack root.")],
    right_root: Annotated[
        str, typer.Option("--right-root", metavar="S3_URI", help="Candidate pack root (the pointer's next).")
    ],
    events_per_output: EventsPerOutputOption,
    scenario_id: Annotated[
        str | None,
        typer.Option(
            "--scenario-id", metavar="SCENARIO_ID", help="Scenario of both runs (default: the pointer's)."
        ),
    ] = None,
    outputs: OutputsOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Run the lane from two roots (pointer untouched) and compare what they admitted; exit 2 unless identical."""

    def body(out: Output) -> None:
        configure_logging(_COMPONENT, None, _log_path())
        result = run_shadow(
            load_profile(profile, rehearsal=True if rehearsal else None),
            left_root=left_root,
            right_root=right_root,
            events_per_output=events_per_output,
            logs=fp_home() / "logs" / "shadow",
            outputs=comma_list(outputs),
            scenario_id=scenario_id,
            git_revision=git_revision(),
            step=out.info,
        )
        payload = result.to_json()
        if not json_mode:
            out.table(
                f"shadow {payload['left_run']} vs {payload['right_run']}: {payload['verdict']}",
                ["output", *_SHADOW_COLUMNS],
                [[name, *(row[c] for c in _SHADOW_COLUMNS)] for name, row in payload["compared"].items()],
            )
            for d in result.record.differences:
                out.info(f"  {d.kind} {d.output_id} {d.subject}: left {d.left} right {d.right}")
            out.info(f"  evidence  {result.evidence}")
        if not result.ok:
            raise CheckFailed(result.record.code, payload)
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
    role: RoleOption = _VERIFY_READER,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Re-read a run's bundle (every sha256), the counters and the four statements; exit 2 if not PASS.

    With --json, one line per statement, then the summary line last.
    """

    def body(out: Output) -> None:
        with _context(profile, rehearsal, platform_run_id, reader_role=role) as ctx:
            result = verify_run(
                ctx.store,
                ctx.evidence_bucket,
                platform_run_id,
                profile=ctx.profile.profile,
                object_bucket=ctx.profile.object_store.object_store_bucket,
            )
        if json_mode:
            for statement in result.statements:
                sys.stdout.write(json.dumps(statement.to_json(), sort_keys=True) + "\n")
        else:
            out.info(
                f"{platform_run_id}: {result.verdict} ({result.files_checked} files, every sha256 checked)"
            )
            out.table(
                "acceptance statements (re-checked from their evidence)",
                ["statement", "holds", "evidence"],
                [[s.key, "yes" if s.holds else "NO", s.evidence] for s in result.statements],
            )
            for problem in result.problems:
                out.info(f"  problem: {problem}")
        if not result.ok:
            code = RECONCILIATION_FAILED if result.statements_hold else STATEMENT_UNPROVEN
            raise CheckFailed(str(code), result.to_json())
        out.result(result.to_json())

    run_command(json_mode, body)


def _has_display() -> bool:
    """Whether a graphical browser can open: on Linux with no display, `webbrowser` would fall back
    to a console browser that takes over the terminal, so the path is printed instead."""
    return not sys.platform.startswith("linux") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


@app.command("report")
def report_command(
    platform_run_id: Annotated[str, typer.Argument(metavar="PLATFORM_RUN_ID", help="The run to report.")],
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="PATH", help="Where to write the page (default $FP_HOME/reports/RUN.html)."
        ),
    ] = None,
    open_page: Annotated[
        bool, typer.Option("--open", metavar="", help="Open the page in a web browser.")
    ] = False,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = _EVIDENCE_READER,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Fetch the run's report page from its bundle (sha256 checked against run_completed.json), print its path."""

    def body(out: Output) -> None:
        target = (out_path or fp_home() / "reports" / f"{platform_run_id}.html").resolve()
        with _context(profile, rehearsal, platform_run_id, reader_role=role) as ctx:
            digest = fetch_report(ctx.store, ctx.evidence_bucket, platform_run_id, target)
        opened = open_page and _has_display() and webbrowser.open(target.as_uri())
        if not json_mode:
            out.info(str(target))
            if open_page and not opened:
                out.info("  no browser could be started here: open the path above")
        out.result(
            {"platform_run_id": platform_run_id, "report": str(target), "sha256": digest, "opened": opened}
        )

    run_command(json_mode, body)


@app.command("teardown")
def teardown_command(
    platform_run_id: Annotated[
        str | None, typer.Option("--run", metavar="PLATFORM_RUN_ID", help="The finished run to tear down.")
    ] = None,
    all_transient: Annotated[
        bool,
        typer.Option(
            "--all-transient", metavar="", help="Every finished run with transient data, and _tmp/."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", metavar="", help="Print the plan; delete and write nothing.")
    ] = False,
    profile: ProfileOption = LOCAL_PARITY,
    json_mode: JsonFlag = False,
    rehearsal: RehearsalFlag = False,
) -> None:
    """Remove finished runs' transient data (never oracle-store/, evidence/, pointers/); write teardown_proof.json."""
    if (platform_run_id is None) == (not all_transient):
        raise typer.BadParameter("give exactly one of --run PLATFORM_RUN_ID and --all-transient")

    def body(out: Output) -> None:
        configure_logging(_COMPONENT, platform_run_id, _log_path())
        loaded = load_profile(profile, rehearsal=True if rehearsal else None)
        with open_site(loaded) as site:
            if platform_run_id is not None:
                result: TeardownOutcome | SweepOutcome = teardown_run(site, platform_run_id, dry_run=dry_run)
            else:
                result = sweep(site, dry_run=dry_run)
        if not json_mode:
            out.table(f"teardown{' (dry run)' if dry_run else ''}", TABLE_COLUMNS, result.rows())
            for line in result.notes():
                out.info(line)
        payload = result.to_json()
        if not result.ok:
            raise CheckFailed(result.code, payload)
        out.result(payload)

    run_command(json_mode, body)
