"""World Streamer Producer: consume READY for one platform run and stream its views through IG."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from fraud_platform.cli.options import JsonFlag, PlatformRunIdOption, ProfileOption, RoleOption
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import LOCAL_PARITY, fp_home, load_profile
from fraud_platform.config.service_tokens import service_token
from fraud_platform.core.gc_settle import settle_garbage_collector
from fraud_platform.obs.logging import bind_run, configure_logging
from fraud_platform.obs.telemetry import TelemetryRecorder, rollup_telemetry
from fraud_platform.wsp import DEFAULT_BATCH_SIZE, WSP_ROLE, Outcome, StreamOptions, WspRuntime
from fraud_platform.wsp.handle import Handled
from fraud_platform.wsp.stream import ProgressFn

NAME = "wsp"
app = typer.Typer(no_args_is_help=True)
_COMPONENT = "wsp"


@contextmanager
def _bars(out: Output) -> Iterator[ProgressFn]:
    """One progress bar per output (silent under --json); safe to update from the output threads."""
    lock = Lock()
    with out.progress() as progress:
        tasks: dict[str, TaskID] = {}

        def update(output_id: str, done: int, total: int) -> None:
            with lock:
                _update(progress, tasks, output_id, done, total)

        yield update


def _update(progress: Progress, tasks: dict[str, TaskID], output_id: str, done: int, total: int) -> None:
    if output_id not in tasks:
        tasks[output_id] = progress.add_task(output_id, total=total)
    progress.update(tasks[output_id], completed=done, total=total)


def _payload(platform_run_id: str, handled: Handled) -> dict[str, Any]:
    return {
        "platform_run_id": platform_run_id,
        "scenario_run_id": handled.scenario_run_id,
        "message_id": handled.message_id,
        "outcome": str(handled.outcome),
        "replayed": handled.replayed,
        "outputs": handled.outputs,
    }


def _record_telemetry(runtime: WspRuntime, platform_run_id: str) -> None:
    """Write what this process moved (S3 view reads, facts) as the run's telemetry part, `component: wsp`.

    One process serves one run, so its process counters are the run's; the lane adds this part to its
    own cost (`operate.lane.child_telemetry`). A WSP killed before this point leaves no part.
    """
    evidence_bucket = runtime.profile.object_store.evidence_bucket
    TelemetryRecorder(runtime.store, evidence_bucket, platform_run_id, _COMPONENT).record(_COMPONENT)
    rollup_telemetry(runtime.store, evidence_bucket, platform_run_id)


@app.command("consume")
def consume_command(
    platform_run_id: PlatformRunIdOption,
    max_events_per_output: Annotated[
        int | None,
        typer.Option(
            "--max-events-per-output", metavar="N", min=1, help="Cap per output (default: all rows)."
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", metavar="", help="Exit once the run's READY has been handled.")
    ] = False,
    speedup: Annotated[
        float | None,
        typer.Option("--speedup", metavar="X", min=0.001, help="Pace by event time, X times faster."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", metavar="N", min=1, max=10_000, help="Events per IG batch.")
    ] = DEFAULT_BATCH_SIZE,
    profile: ProfileOption = LOCAL_PARITY,
    role: RoleOption = WSP_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Consume READY for a platform run, verify it, and stream its views through IG (resumable)."""

    def body(out: Output) -> None:
        configure_logging(_COMPONENT, platform_run_id, fp_home() / "logs" / f"{_COMPONENT}.jsonl")
        bind_run(platform_run_id)
        loaded = load_profile(profile)
        options = StreamOptions(max_events_per_output, batch_size, speedup)
        with (
            WspRuntime.open(loaded, service_token(loaded, WSP_ROLE), role=role) as runtime,
            _bars(out) as bars,
        ):
            settle_garbage_collector()
            report = runtime.consume(platform_run_id, options, once=once, progress=bars)
            _record_telemetry(runtime, platform_run_id)
        for item in report.handled:
            out.info(f"{item.outcome} {item.message_id} ({item.platform_run_id}) {item.code}")
        ready = report.ready
        if ready is None:
            out.result({"platform_run_id": platform_run_id, "scenario_run_id": None, "outputs": {}})
            return
        payload = _payload(platform_run_id, ready)
        if ready.outcome is Outcome.REJECTED:
            raise CheckFailed(ready.code, {**payload, "detail": ready.detail})
        out.result(payload)

    run_command(json_mode, body)
