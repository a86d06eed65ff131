"""The lane's two daemons as declarative process specs: IG (ready by `/readyz`) and WSP (`--once`).

Each child gets the whole environment the profile was loaded from (FP_HOME and the pins; it is
never logged, `ProcessSpec.describe` keeps names only) and runs the real `fp` command a user would
type, under its own role. IG listens on the profile's IG URL, so WSP (which loads the same profile)
finds it there.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from fraud_platform.config import Profile
from fraud_platform.operate.processes import AliveFor, Deadlines, HttpReady, ProcessSpec, RestartPolicy

__all__ = ["child_env", "ig_spec", "wsp_spec"]

_IG_READY_S = 60.0
_WSP_ALIVE_S = 0.5
_STOP_S = 15.0


def _fp() -> tuple[str, ...]:
    """`fp` as this interpreter's module (argv[0] is the interpreter, which the supervisor checks
    against `/proc/<pid>/cmdline`; a console script would show the interpreter there instead)."""
    return (sys.executable, "-m", "fraud_platform.cli")


def child_env(profile: Profile) -> dict[str, str]:
    """The children's environment: the env the profile was loaded from, plus its FP_HOME."""
    source = profile.source
    env = dict(source.env) if source is not None else {}
    if source is not None and source.fp_home is not None:
        env["FP_HOME"] = str(source.fp_home)
    return env


def ig_spec(
    profile: Profile,
    env: Mapping[str, str],
    logs: Path,
    *,
    ready_within_s: float = _IG_READY_S,
    stop_within_s: float = _STOP_S,
) -> ProcessSpec:
    """`fp ig serve` on the port of the profile's IG URL; ready when `/readyz` answers 200.

    The lane passes its deadlines from the profile's budget (`lane.deadlines`); the defaults serve
    callers without a profile budget in hand."""
    url = str(profile.ig.url).rstrip("/")
    port = urlparse(url).port or 80
    return ProcessSpec(
        name="ig",
        argv=(*_fp(), "ig", "serve", "--profile", profile.profile, "--port", str(port)),
        role="ig",
        cwd=logs,
        log_path=logs / "ig.log",
        ready=HttpReady(f"{url}/readyz"),
        env=env,
        restart=RestartPolicy(max_restarts=2),
        deadlines=Deadlines(ready_within_s=ready_within_s, stop_within_s=stop_within_s),
    )


def wsp_spec(
    profile: Profile,
    env: Mapping[str, str],
    logs: Path,
    platform_run_id: str,
    events_per_output: int,
    *,
    stop_within_s: float = _STOP_S,
) -> ProcessSpec:
    """`fp wsp consume --once` for the run, capped per output; restarted (it resumes) if it dies."""
    argv: tuple[str, ...] = (
        *_fp(),
        "wsp",
        "consume",
        "--profile",
        profile.profile,
        "--platform-run-id",
        platform_run_id,
    )
    argv += ("--once", "--json", "--max-events-per-output", str(events_per_output), "--role", "wsp")
    return ProcessSpec(
        name="wsp",
        argv=argv,
        role="wsp",
        cwd=logs,
        log_path=logs / "wsp.log",
        ready=AliveFor(_WSP_ALIVE_S),
        env=env,
        restart=RestartPolicy(max_restarts=2),
        deadlines=Deadlines(stop_within_s=stop_within_s),
        expect_exit=True,
    )
