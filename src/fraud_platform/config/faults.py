"""Test-only fault injection read from the environment: pause an SR driver at a named commit point.

Why it exists: the SR lease bound ("a SIGKILLed `fp sr submit` blocks its run for at most 15 s") can
only be proven on a real process that is killed while it holds the lease. A real evidence check on a
small world lasts well under a second, so the test needs the driver to stop at a known point, in a
separate process started through the real CLI. Setting

    FP_TEST_SR_PAUSE_AT=<point>:<seconds>[:<hold file>]        e.g. before_evidence:60

makes every SR driver built from that profile sleep `<seconds>` when it reaches `<point>` (one of
SR_PAUSE_POINTS), holding its lease (the heartbeat keeps renewing it, as it would during a slow check).
With a hold file the component also waits, after its sleep, for as long as that file exists: a test
can then stop a dependency at a moment it chose instead of one it guessed from timings.

It is read from the env the profile was loaded with (never `os.environ` behind the caller's back), and
refused with PROFILE_INVALID on a real dev_min profile: a production driver can never be paused by an
environment variable. Only local_parity and a dev_min rehearsal accept it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from fraud_platform.config._reasons import PROFILE_INVALID
from fraud_platform.config.loader import LOCAL_PARITY
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import ReasonCode

__all__ = [
    "LANE_PAUSE_ENV",
    "LANE_PAUSE_POINTS",
    "SR_PAUSE_ENV",
    "SR_PAUSE_POINTS",
    "PausePoint",
    "pause_hook",
    "sr_pause",
]

_HOLD_POLL_S = 0.02
SR_PAUSE_ENV = "FP_TEST_SR_PAUSE_AT"
SR_PAUSE_POINTS = ("before_evidence", "after_facts_view", "after_status_ready")
"""The SR commit points a driver can be paused at (the names of `fraud_platform.sr.decide`'s hooks)."""
LANE_PAUSE_ENV = "FP_TEST_LANE_PAUSE_AT"
LANE_PAUSE_POINTS = ("before_commit",)
"""`fp run lane`'s pause points: `before_commit` is after the daemons stopped and the run was reconciled,
before the closure bundle is written (a lane killed there leaves the run uncommitted)."""


@dataclass(frozen=True)
class PausePoint:
    """Where a component stops, for how long (seconds of real time), and the file that prolongs it."""

    point: str
    seconds: float
    hold_file: str | None = None

    def wait(self) -> None:
        """Sleep the pause, then poll until the hold file (when named) is gone."""
        time.sleep(self.seconds)
        if self.hold_file is not None:
            hold = Path(self.hold_file)
            while hold.exists():
                time.sleep(_HOLD_POLL_S)


def pause_hook(
    profile: Profile, variable: str, points: tuple[str, ...], refusal: ReasonCode = PROFILE_INVALID
) -> PausePoint | None:
    """The pause `variable` (`<point>:<seconds>`) asks for in the profile's own env, or None when unset.

    One parser for every component's test hook (SR's here, IG's in `ig.settings`), so each refuses the
    same things: a non-rehearsal dev_min profile, an unknown point, or a duration that is not a finite
    number of seconds in (0, 3600]. An optional third field names a hold file (see the module doc).

    Raises:
        FailClosed(refusal): on any of the above (`refusal` is the component's own settings code).
    """
    source = profile.source
    raw = source.env.get(variable, "").strip() if source is not None else ""
    if not raw:
        return None
    if profile.profile != LOCAL_PARITY and not profile.rehearsal:
        raise FailClosed(
            refusal,
            f"{variable} is a test hook; profile {profile.profile} refuses it outside a rehearsal",
            {"variable": variable, "profile": profile.profile},
        )
    point, _, rest = raw.partition(":")
    text, _, hold_file = rest.partition(":")
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if point not in points or not 0 < seconds <= 3600:
        raise FailClosed(
            refusal,
            f"{variable}={raw!r}: expected <point>:<seconds>[:<hold file>] with point one of "
            f"{', '.join(points)} and 0 < seconds <= 3600",
            {"variable": variable},
        )
    return PausePoint(point, seconds, hold_file or None)


def sr_pause(profile: Profile) -> PausePoint | None:
    """The pause asked for by `FP_TEST_SR_PAUSE_AT` in the profile's own env, or None when unset.

    Raises:
        FailClosed(PROFILE_INVALID): as `pause_hook`.
    """
    return pause_hook(profile, SR_PAUSE_ENV, SR_PAUSE_POINTS)
