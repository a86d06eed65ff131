"""`make demo`: the whole lane on local substrates, from an empty FP_HOME to a verified PASS.

Start SeaweedFS + tansu in a demo FP_HOME (unless they already run there), bootstrap roles and
posture, mint a run and prove the posture for it, take a synthetic world through land, seal, sort
and pointer set, then run the commands an operator would type, as real child processes whose output
goes straight to the terminal: `fp run lane --run ID --events-per-output 200` (preflight, IG and WSP
supervised, SR READY, reconciliation, closure bundle), `fp run verify ID` and `fp run report ID`
(the page, checked by its SHA-256, written under `$FP_HOME/reports/`). The demo prints the verdict,
the evidence URI and the report's local path, and stops the substrates it started (always, in a
`finally`). Exit 0 only when the verdict is PASS and verify agrees; 2 otherwise.

The lane, verify and report run as the CLI rather than in-process so there is one code path (the
demo shows exactly what `fp run lane` prints) and the lane's telemetry counts the lane only, not the
demo's set-up traffic. Every step converges, so a second demo in the same FP_HOME mints a new run on
the same pack. The demo FP_HOME is `./.fp-home/demo` unless FP_HOME names another directory; the
default home (`~/.fraud-platform`) is never used, so a demo cannot disturb a real set-up.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.panel import Panel

from fraud_platform.bootstrap import ApplyResult, BootstrapPorts, apply_bootstrap, verify_bootstrap
from fraud_platform.config import Profile, fp_home, load_profile
from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.obs.closure import read_commit
from fraud_platform.obs.logging import bind_run, configure_logging, log_event
from fraud_platform.operate._reasons import DEMO_FAILED
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.demo_world import DEMO_FLOWS, world_to_pointer
from fraud_platform.operate.gitrev import git_revision
from fraud_platform.operate.lane.report_file import REPORT_FILE
from fraud_platform.operate.runs import new_run
from fraud_platform.substrate.local import down, status, substrates, up

__all__ = ["DEMO_EVENTS_PER_OUTPUT", "DEMO_HOME", "DemoOutcome", "demo_home", "main", "run_demo"]

DEMO_HOME = Path(".fp-home") / "demo"
DEMO_EVENTS_PER_OUTPUT = 200
_APPLY_ATTEMPTS = 3
_LANE_DEADLINE_S = 900.0
_CHILD_DEADLINE_S = 180.0
_T = TypeVar("_T")
_log = logging.getLogger(__name__)


def demo_home() -> Path:
    """FP_HOME when it names a directory other than the default home, else `./.fp-home/demo`."""
    configured = fp_home()
    return configured if configured != fp_home({}) else DEMO_HOME.resolve()


@dataclass(frozen=True)
class DemoOutcome:
    """What the demo ended with: the run, the lane's verdict, verify's answer and where to look."""

    platform_run_id: str
    verdict: str
    verified: bool
    evidence: str
    report_uri: str
    report_path: Path

    @property
    def ok(self) -> bool:
        return self.verdict == "PASS" and self.verified


class _Steps:
    """Numbers the demo's steps: in-process ones under a spinner, CLI children with their own output;
    each ends with a tick (or a cross) and the time it took."""

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

    def command(self, home: Path, args: list[str], deadline_s: float) -> int:
        """Run `fp ARGS` as a child writing straight to this terminal; returns its exit code.

        No spinner here: the child draws its own progress. Its environment is the operator's plus
        the demo home's FP_HOME and local pins, read again now (a restart may have moved a port).
        """
        self.number += 1
        shown = " ".join(["fp", *args])
        self._console.print(f"[bold cyan]▶ {self.number}. {shown}[/bold cyan]")
        sys.stdout.flush()
        started = self._clock.monotonic()
        env = {**os.environ, **substrates(home).env}
        try:
            code = subprocess.run(
                [sys.executable, "-m", "fraud_platform.cli", *args], env=env, timeout=deadline_s, check=False
            ).returncode
        except subprocess.TimeoutExpired as error:
            raise FailClosed(DEMO_FAILED, f"`{shown}` did not finish within {deadline_s:.0f}s") from error
        seconds = self._clock.monotonic() - started
        mark = "[green]✓[/green]" if code == 0 else f"[red]✗ exit {code}[/red]"
        self._console.print(f"{mark} {self.number}. {shown} [dim]({seconds:.1f}s)[/dim]")
        return code


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
            up(home, die_with_parent=True)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _start_unless_running(home: Path) -> bool:
    """True when the demo started the substrates; healthy ones already there are used as they are
    (whatever their Kafka storage: `up` would refuse a mode it was not asked for)."""
    if status(home).healthy:
        return False
    return not up(home, die_with_parent=True).already_running


@contextmanager
def _substrates_of(home: Path, steps: _Steps, console: Console) -> Iterator[None]:
    """Start the substrates unless they run; stop them on the way out if (and only if) the demo started them.

    The ones it starts are tied to the demo process (PR_SET_PDEATHSIG), so a demo killed before its
    `finally` still leaves nothing running.
    """
    started = steps.run(f"substrates up: SeaweedFS + tansu in {home}", lambda: _start_unless_running(home))
    if not started:
        console.print("    already running; the demo leaves them running")
    try:
        yield
    finally:
        if started:
            down(home)
            console.print("[green]✓[/green] stopped the substrates the demo started (by PID)")


def _lane_and_verify(
    ctx: OperateContext, home: Path, run_id: str, events_per_output: int, steps: _Steps
) -> DemoOutcome:
    """`fp run lane`, then `fp run verify` and `fp run report` on the committed run."""
    lane = ["run", "lane", "--run", run_id, "--events-per-output", str(events_per_output)]
    lane_exit = steps.command(home, lane, _LANE_DEADLINE_S)
    commit = read_commit(ctx.store, ctx.run(run_id))
    if commit is None:
        raise FailClosed(
            DEMO_FAILED,
            f"fp run lane exited {lane_exit} without committing {run_id} (its refusal is printed above)",
            {"platform_run_id": run_id, "logs": str(home / "logs" / "lane")},
        )
    verdict = str(commit.document.get("summary", {}).get("verdict", "FAIL"))
    verify_exit = steps.command(home, ["run", "verify", run_id], _CHILD_DEADLINE_S)
    page = home / "reports" / f"{run_id}.html"
    if steps.command(home, ["run", "report", run_id, "--out", str(page)], _CHILD_DEADLINE_S) != 0:
        raise FailClosed(DEMO_FAILED, f"fp run report could not write the page of {run_id} (printed above)")
    report_uri = str(commit.document.get("files", {}).get(REPORT_FILE, {}).get("uri", ""))
    return DemoOutcome(run_id, verdict, verify_exit == 0, commit.uri, report_uri, page)


def _closing_panel(home: Path, outcome: DemoOutcome) -> Panel:
    style = "green" if outcome.ok else "red"
    verified = "passes" if outcome.verified else "FAILS"
    return Panel(
        f"verdict   [bold {style}]{outcome.verdict}[/bold {style}]   (fp run verify {verified})\n"
        f"run       {outcome.platform_run_id}\n"
        f"evidence  {outcome.evidence}\n"
        f"report    {outcome.report_path}\n"
        f"          (from {outcome.report_uri})\n\n"
        f"To look at the run again:\n"
        f"  export FP_HOME={home}\n"
        f"  fp substrate up\n"
        f"  fp run verify {outcome.platform_run_id}\n"
        f"  fp run evidence --run {outcome.platform_run_id}\n"
        f"  fp substrate down\n"
        f"Logs: {home / 'logs'}",
        title=f"[{style}]demo {'passed' if outcome.ok else 'failed'}[/{style}]",
        border_style=style,
    )


def run_demo(
    home: Path,
    console: Console,
    clock: Clock | None = None,
    *,
    events_per_output: int = DEMO_EVENTS_PER_OUTPUT,
    flows: int = DEMO_FLOWS,
) -> DemoOutcome:
    """Run every step against the substrates in `home`; returns the outcome (PASS or not)."""
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
        with OperateContext(profile, clock=clock) as ctx:
            minted = steps.run(
                "fp run new: mint a platform_run_id (run.json, RUN_MINTED)",
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
            world_to_pointer(profile, home, steps, console, flows=flows)
            outcome = _lane_and_verify(ctx, home, run_id, events_per_output, steps)
        log_event(
            _log,
            "demo_finished",
            platform_run_id=run_id,
            verdict=outcome.verdict,
            verified=outcome.verified,
            report=str(outcome.report_path),
        )
    console.print(_closing_panel(home, outcome))
    return outcome


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The two sizes a smaller demo may change (tests use a small world and cap); defaults are `make demo`'s."""
    parser = argparse.ArgumentParser(
        prog="python -m fraud_platform.operate.demo",
        description="`make demo`: the whole lane on local substrates, verified.",
    )
    parser.add_argument("--events-per-output", type=int, default=DEMO_EVENTS_PER_OUTPUT, metavar="N")
    parser.add_argument("--flows", type=int, default=DEMO_FLOWS, metavar="N")
    arguments = parser.parse_args(argv)
    if arguments.events_per_output < 1 or arguments.flows < 1:
        parser.error("--events-per-output and --flows must be positive")
    return arguments


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python -m fraud_platform.operate.demo`: exit 0 on a verified PASS, 2 otherwise."""
    arguments = _arguments(argv)
    console = Console(highlight=False)
    clock = SystemClock()
    started = clock.monotonic()
    try:
        outcome = run_demo(
            demo_home(),
            console,
            clock,
            events_per_output=arguments.events_per_output,
            flows=arguments.flows,
        )
    except PlatformError as error:
        console.print(f"[red]demo failed[/red]: [bold]{error.code}[/bold] {error.detail}")
        sys.exit(2)
    console.print(f"[dim]total {clock.monotonic() - started:.0f}s[/dim]")
    if not outcome.ok:
        sys.exit(2)


if __name__ == "__main__":
    main()
