"""`make demo`: what exists so far, end to end, on the local substrates, in about a minute.

Start SeaweedFS + tansu in a demo FP_HOME, bootstrap roles and posture, mint a run, verify the
posture as evidence of that run, preflight it, take a synthetic world to SR READY, stream it through
`fp ig serve` with `fp wsp consume --once` (200 events per output, counts reconciled against the
topics by an independent consumer), emit lifecycle facts for a `demo` component, read the
facts back from the audit topic, write the run's telemetry, list its evidence, and stop the
substrates it started (always, in a `finally`). Exit 0 when every step passed, 2 on a refusal.

The demo FP_HOME is `./.fp-home/demo` unless FP_HOME names another directory; the default home
(`~/.fraud-platform`) is never used, so a demo cannot disturb a real set-up.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from fraud_platform.bootstrap import ApplyResult, BootstrapPorts, apply_bootstrap, verify_bootstrap
from fraud_platform.config import Profile, fp_home, kafka_settings, load_profile
from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.eb.topics import AUDIT_TOPIC
from fraud_platform.obs.facts import parse_fact
from fraud_platform.obs.logging import bind_run, configure_logging, log_event
from fraud_platform.operate._reasons import DEMO_FAILED
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.demo_stream import stream_through_ig
from fraud_platform.operate.demo_world import world_to_ready
from fraud_platform.operate.evidence_listing import aws_cli_hint, list_run_evidence
from fraud_platform.operate.gitrev import git_revision
from fraud_platform.operate.preflight import run_preflight
from fraud_platform.operate.runs import emit_lifecycle, new_run, record_telemetry
from fraud_platform.substrate import factory, telemetry
from fraud_platform.substrate.local import down, substrates, up

__all__ = ["DEMO_HOME", "demo_home", "main", "run_demo"]

DEMO_HOME = Path(".fp-home") / "demo"
_AUDIT_DEADLINE_S = 45.0
_APPLY_ATTEMPTS = 3
_T = TypeVar("_T")
_log = logging.getLogger(__name__)


def demo_home() -> Path:
    """FP_HOME when it names a directory other than the default home, else `./.fp-home/demo`."""
    configured = fp_home()
    return configured if configured != fp_home({}) else DEMO_HOME.resolve()


class _Steps:
    """Prints one line per step (spinner while running, then a tick and the time it took)."""

    def __init__(self, console: Console, clock: Clock) -> None:
        self._console = console
        self._clock = clock
        self.number = 0

    def run(self, title: str, action: Callable[[], _T]) -> _T:
        self.number += 1
        started = self._clock.monotonic()
        try:
            with self._console.status(f"[bold]{self.number}. {title}…"):
                result = action()
        except PlatformError as error:
            self._console.print(
                f"[red]✗ {self.number}. {title}[/red]  [bold]{error.code}[/bold] {error.detail}"
            )
            raise
        seconds = self._clock.monotonic() - started
        self._console.print(f"[green]✓[/green] {self.number}. {title} [dim]({seconds:.1f}s)[/dim]")
        return result


def _read_audit_facts(profile: Profile, run_id: str, expected: set[str], clock: Clock) -> dict[str, str]:
    """An independent consumer (fresh group, earliest offsets) polls until every expected fact arrived."""
    consumer = factory.open_consumer(
        kafka_settings(profile, "reporter"), f"demo-{uuid.uuid4().hex}", [AUDIT_TOPIC]
    )
    seen: dict[str, str] = {}
    try:
        deadline = clock.monotonic() + _AUDIT_DEADLINE_S
        while expected - set(seen) and clock.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.key != run_id.encode("ascii"):
                continue
            fact = parse_fact(message.value)
            seen[fact.event_id] = fact.family
    finally:
        consumer.close()
    missing = expected - set(seen)
    if missing:
        raise FailClosed(
            DEMO_FAILED, f"{len(missing)} facts not seen on {AUDIT_TOPIC} within {_AUDIT_DEADLINE_S:.0f}s"
        )
    return seen


def _telemetry_table(counters: dict[str, object]) -> Table:
    table = Table(
        title="data movement of this run (telemetry.json)",
        caption="S3 errors include the denials bootstrap verify provokes on purpose",
    )
    table.add_column("counter")
    table.add_column("value", justify="right")
    totals = counters.get("totals")
    if isinstance(totals, dict):
        for name, value in sorted(totals.items()):
            table.add_row(str(name), f"{value:,}")
    return table


def _apply_with_retry(home: Path, clock: Clock, console: Console) -> tuple[Profile, ApplyResult]:
    """Bootstrap apply, retried after transient trouble: apply converges on a rerun by contract.

    Apply restarts SeaweedFS to load the new identities; if that restart fails (transient), the
    substrates are brought up again (idempotent) and the profile re-read (the pins may have moved)
    before the next attempt. Returns the profile the successful apply ran against.
    """
    for attempt in range(1, _APPLY_ATTEMPTS + 1):
        profile = load_profile("local_parity", env=substrates(home).env)
        try:
            return profile, apply_bootstrap(profile, ports=BootstrapPorts(profile), fp_home=home, clock=clock)
        except TransientError as error:
            if attempt == _APPLY_ATTEMPTS:
                raise
            console.print(
                f"[yellow]    transient {error.code}; bringing the substrates up and retrying[/yellow]"
            )
            up(home)
    raise AssertionError("unreachable: the last attempt returns or raises")


@contextmanager
def _substrates_of(home: Path, steps: _Steps, console: Console) -> Iterator[None]:
    """Start the substrates; stop them on the way out if (and only if) this demo started them."""
    started = steps.run(f"start SeaweedFS + tansu in {home}", lambda: up(home))
    try:
        yield
    finally:
        if started.already_running:
            console.print("[yellow]substrates were already running before the demo; left running[/yellow]")
        else:
            down(home)
            console.print("[green]✓[/green] stopped the substrates (by PID)")


def run_demo(home: Path, console: Console, clock: Clock | None = None) -> str:
    """Run every step against the substrates in `home`; returns the platform_run_id it minted."""
    clock = clock or SystemClock()
    steps = _Steps(console, clock)
    home.mkdir(parents=True, exist_ok=True)
    configure_logging("demo", None, home / "logs" / "demo.jsonl", clock=clock)
    console.print(Panel.fit(f"[bold]fraud-platform demo[/bold]\nFP_HOME = {home}", border_style="cyan"))
    with _substrates_of(home, steps, console):
        profile, applied = steps.run(
            "bootstrap apply: buckets, posture, topics, role keys",
            lambda: _apply_with_retry(home, clock, console),
        )
        console.print(f"    {applied.report['summary']}  report: {applied.path}")
        before_run = telemetry.snapshot()
        with OperateContext(profile, clock=clock) as ctx:
            minted = steps.run(
                "mint a platform_run_id (run.json, RUN_MINTED)",
                lambda: new_run(ctx, git_revision=git_revision()),
            )
            run_id = minted.platform_run_id
            bind_run(run_id)
            console.print(f"    [bold]{run_id}[/bold]  {minted.run_manifest_uri}")
            verified = steps.run(
                "bootstrap verify: every role can do what it must and nothing else",
                lambda: verify_bootstrap(
                    profile, ports=BootstrapPorts(profile), fp_home=home, clock=clock, run_id=run_id
                ),
            )
            console.print(f"    {verified.report['summary']['verdicts']}  report: {verified.path}")
            if not verified.ok:
                raise FailClosed(
                    DEMO_FAILED, f"bootstrap verify found violations: {verified.roles_with_violations}"
                )
            report = steps.run(
                "preflight: S3, Kafka and state under each role", lambda: run_preflight(ctx, run_id)
            )
            console.print(f"    {len(report.checks)} checks, attempt {report.attempt}: {report.latest_uri}")
            if not report.ok:
                failed = ", ".join(f"{c.name}/{c.role}={c.code}" for c in report.failed)
                raise FailClosed(DEMO_FAILED, f"preflight failed: {failed}")
            ready = world_to_ready(profile, home, run_id, steps, console)
            if ready.message_id is None:
                raise FailClosed(DEMO_FAILED, f"SR did not publish READY: {ready.state}")
            stream_through_ig(profile, substrates(home).env, run_id, home / "logs", steps, console)
            lifecycle = steps.run(
                "lifecycle facts for component `demo` (STARTED, READY, STOPPED)",
                lambda: [
                    emit_lifecycle(ctx, run_id, "demo", stage) for stage in ("started", "ready", "stopped")
                ],
            )
            expected = {minted.fact.event_id, report.fact.event_id, *(fact.event_id for fact in lifecycle)}
            seen = steps.run(
                f"read the facts back from {AUDIT_TOPIC} (independent consumer)",
                lambda: _read_audit_facts(profile, run_id, expected, clock),
            )
            console.print(
                f"    {len(seen)} facts of this run on the audit topic: {sorted(set(seen.values()))}"
            )
            recorded = steps.run(
                "telemetry: S3 and Kafka traffic of this run",
                lambda: record_telemetry(ctx, run_id, "demo", baseline=before_run),
            )
            console.print(_telemetry_table(recorded.rollup["counters"]))
            objects = list_run_evidence(ctx, run_id)
            prefix = ctx.run(run_id).prefix
            table = Table(title=f"evidence under {prefix.uri}")
            table.add_column("object")
            table.add_column("bytes", justify="right")
            for item in objects:
                table.add_row(item.key.removeprefix(prefix.key), f"{item.size:,}")
            console.print(table)
            hint = aws_cli_hint(ctx, run_id)
        log_event(_log, "demo_finished", platform_run_id=run_id, evidence_objects=len(objects))
    console.print(
        Panel(
            f"Evidence stays in {home / 'seaweedfs'}; to look at it again:\n"
            f"  export FP_HOME={home}\n"
            f"  fp substrate up && fp run evidence --run {run_id}\n"
            f"  {hint}   (operator keys: $FP_HOME/credentials/roles.json)\n"
            f"  fp substrate down\n"
            f"Logs: {home / 'logs'}",
            title="[green]demo passed[/green]",
            border_style="green",
        )
    )
    return run_id


def main() -> None:
    """Entry point of `python -m fraud_platform.operate.demo`: exit 0 on success, 2 on a refusal."""
    console = Console(highlight=False)
    clock = SystemClock()
    started = clock.monotonic()
    try:
        run_demo(demo_home(), console, clock)
    except PlatformError as error:
        console.print(f"[red]demo failed[/red]: [bold]{error.code}[/bold] {error.detail}")
        sys.exit(2)
    console.print(f"[dim]total {clock.monotonic() - started:.0f}s[/dim]")


if __name__ == "__main__":
    main()
