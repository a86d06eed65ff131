"""Scenario Runner: submit a run, evaluate a waiting run, re-emit READY, show a run's ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from fraud_platform.cli.options import (
    READ_ONLY_ROLE,
    JsonFlag,
    OutputsOption,
    PlatformRunIdOption,
    ProfileOption,
    RehearsalFlag,
    RoleOption,
)
from fraud_platform.cli.output import Output
from fraud_platform.cli.parsing import comma_list
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import LOCAL_PARITY, fp_home, load_profile
from fraud_platform.obs.logging import bind_run, configure_logging
from fraud_platform.obs.telemetry import TelemetryRecorder, rollup_telemetry
from fraud_platform.sr import SR_ROLE, RunRequest, SrOutcome, SrRuntime

NAME = "sr"
app = typer.Typer(no_args_is_help=True)

_ScenarioRunArg = Annotated[
    str,
    typer.Argument(metavar="SCENARIO_RUN_ID", help="The scenario_run_id (32 hex) printed by `fp sr submit`."),
]
_OwningRunOption = Annotated[
    str | None,
    typer.Option(
        "--platform-run-id",
        metavar="PLATFORM_RUN_ID",
        help="The platform run you act for; the scenario run must belong to it.",
    ),
]
_COMPONENT = "sr"


def _runtime(profile: str, rehearsal: bool, role: str, platform_run_id: str | None) -> SrRuntime:
    configure_logging(_COMPONENT, platform_run_id, fp_home() / "logs" / f"{_COMPONENT}.jsonl")
    return SrRuntime.open(load_profile(profile, rehearsal=True if rehearsal else None), role=role)


def _telemetry(runtime: SrRuntime, platform_run_id: str, phase: str) -> str:
    """Record what this command moved as a run-scoped telemetry part, and roll the run's total up."""
    evidence_bucket = runtime.profile.object_store.evidence_bucket
    part = TelemetryRecorder(runtime.store, evidence_bucket, platform_run_id, _COMPONENT).record(phase)
    rollup_telemetry(runtime.store, evidence_bucket, platform_run_id)
    return part.uri


def _show(out: Output, outcome: SrOutcome) -> None:
    out.info(
        f"[bold]{outcome.state}[/bold] scenario run {outcome.scenario_run_id} of {outcome.platform_run_id}"
    )
    if outcome.message_id:
        out.info(f"  READY message_id {outcome.message_id} (published: {outcome.published})")
    for failure in outcome.reasons:
        out.info(f"  {failure.code} {failure.subject}: {failure.detail}")
    for name, uri in outcome.refs.items():
        out.info(f"  {name:<12} {uri}")


_SUMMARY_KEYS = ("state", "scenario_run_id", "message_id")


def _finish(out: Output, outcome: SrOutcome, extra: dict[str, Any] | None = None) -> None:
    """The final line: the whole payload under --json, a short summary for people (shown above)."""
    payload = {**outcome.to_json(), **(extra or {})}
    if not out.json_mode:
        payload = {key: payload[key] for key in _SUMMARY_KEYS}
    if not outcome.ok:
        raise CheckFailed(outcome.code, payload)
    out.result(payload)


def _run_and_record(
    out: Output,
    json_mode: bool,
    runtime: SrRuntime,
    phase: str,
    action: Callable[[], SrOutcome],
) -> None:
    outcome = action()
    bind_run(outcome.platform_run_id)
    telemetry = _telemetry(runtime, outcome.platform_run_id, phase)
    if not json_mode:
        _show(out, outcome)
    _finish(out, outcome, {"telemetry": telemetry})


@app.command("submit")
def submit_command(
    platform_run_id: PlatformRunIdOption,
    run_equivalence_key: Annotated[
        str,
        typer.Option(
            "--run-equivalence-key",
            metavar="KEY",
            help="Names the run: the same key is the same run, forever.",
        ),
    ],
    scenario_id: Annotated[
        str | None,
        typer.Option(
            "--scenario-id",
            metavar="SCENARIO_ID",
            help="Must equal the pinned scenario (it may only restate the pin).",
        ),
    ] = None,
    oracle_root: Annotated[
        str | None,
        typer.Option(
            "--oracle-root",
            metavar="S3_URI",
            help="Must equal the pinned pack root (it may only restate the pin).",
        ),
    ] = None,
    outputs: OutputsOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = SR_ROLE,
    rehearsal: RehearsalFlag = False,
    json_mode: JsonFlag = False,
) -> None:
    """Submit a run: verify the pinned Oracle pack, write the ledger and publish READY (idempotent)."""

    def body(out: Output) -> None:
        wanted = comma_list(outputs)
        request = RunRequest(
            platform_run_id=platform_run_id,
            run_equivalence_key=run_equivalence_key,
            scenario_id=scenario_id,
            pack_root=oracle_root,
            outputs=None if wanted is None else tuple(wanted),
        )
        with _runtime(profile, rehearsal, role, platform_run_id) as runtime:
            _run_and_record(out, json_mode, runtime, "sr-submit", lambda: runtime.submit(request))

    run_command(json_mode, body)


@app.command("evaluate")
def evaluate_command(
    scenario_run_id: _ScenarioRunArg,
    platform_run_id: _OwningRunOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = SR_ROLE,
    rehearsal: RehearsalFlag = False,
    json_mode: JsonFlag = False,
) -> None:
    """Re-evaluate a waiting run's evidence (no new plan); FAILED once its deadline has passed."""

    def body(out: Output) -> None:
        with _runtime(profile, rehearsal, role, platform_run_id) as runtime:
            _run_and_record(
                out,
                json_mode,
                runtime,
                "sr-evaluate",
                lambda: runtime.evaluate(scenario_run_id, platform_run_id=platform_run_id),
            )

    run_command(json_mode, body)


@app.command("reemit")
def reemit_command(
    scenario_run_id: _ScenarioRunArg,
    kind: Annotated[
        str, typer.Option("--kind", metavar="KIND", help="What to re-emit: READY (the identical message).")
    ] = "READY",
    platform_run_id: _OwningRunOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = SR_ROLE,
    rehearsal: RehearsalFlag = False,
    json_mode: JsonFlag = False,
) -> None:
    """Publish a READY run's identical READY message again (same message_id), for its own run only."""

    def body(out: Output) -> None:
        with _runtime(profile, rehearsal, role, platform_run_id) as runtime:
            _run_and_record(
                out,
                json_mode,
                runtime,
                "sr-reemit",
                lambda: runtime.reemit(scenario_run_id, platform_run_id=platform_run_id, kind=kind),
            )

    run_command(json_mode, body)


@app.command("status")
def status_command(
    scenario_run_id: _ScenarioRunArg,
    platform_run_id: _OwningRunOption = None,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = READ_ONLY_ROLE,
    rehearsal: RehearsalFlag = False,
    json_mode: JsonFlag = False,
) -> None:
    """Show a scenario run's ledger: status, plan, every record, facts view and READY refs."""

    def body(out: Output) -> None:
        with _runtime(profile, rehearsal, role, platform_run_id) as runtime:
            view = runtime.status(scenario_run_id, platform_run_id=platform_run_id)
        if not json_mode:
            _show(out, view.outcome)
            out.table(
                f"run_record of {scenario_run_id}",
                ["seq", "event", "state", "reason", "at"],
                [[r.seq, r.event, r.state or "", r.reason or "", r.at_utc] for r in view.records],
            )
        payload = view.to_json()
        if not json_mode:
            payload = {key: payload[key] for key in _SUMMARY_KEYS}
        # `status` reports; only a refusal (unknown run) is an error. The run's own code rides along.
        out.result(payload, ok=True, code=view.outcome.code)

    run_command(json_mode, body)
