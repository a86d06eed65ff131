"""IG server settings (limits, claim lease, timeouts) and its one test hook, the publish pause.

Limits are server options (`fp ig serve --max-…`), not profile keys: they bound one process's memory
and rate, the same in every profile, and a profile key would have to be added to every profile.

The test hook: `FP_TEST_IG_PAUSE_AT=<point>:<seconds>` in the environment the profile was loaded
from makes IG sleep at a publish point: `after_publish` is after the broker acknowledged a batch and
*before* IG records the events ADMITTED (a SIGKILL there leaves `IN_FLIGHT` rows for records that
are on the topic); `before_publish` is after the claim and before the produce (a SIGKILL there
leaves `IN_FLIGHT` rows for records that never landed).
It is read from the profile's own env (never `os.environ` behind the caller's back) and refused
(IG_SETTINGS_INVALID) on a dev_min profile outside a rehearsal.
"""

from __future__ import annotations

from dataclasses import dataclass

from fraud_platform.config import Profile
from fraud_platform.config.faults import PausePoint, pause_hook
from fraud_platform.core.errors import FailClosed
from fraud_platform.ig._reasons import IG_SETTINGS_INVALID

__all__ = ["PAUSE_ENV", "PAUSE_POINTS", "IgSettings", "PausePoint", "pause_from_profile"]

PAUSE_ENV = "FP_TEST_IG_PAUSE_AT"
PAUSE_POINTS = ("before_publish", "after_publish")


@dataclass(frozen=True)
class IgSettings:
    """Per-process limits and timings of one IG server.

    `claim_ttl_s` must exceed `delivery_timeout_s` plus a margin: a claim is taken over only after it
    expired, and by then the publisher's producer has given up on its records, so the one that takes
    over reconciles against a partition nobody still writes that record to.
    """

    max_body_bytes: int = 16 * 1024 * 1024
    max_batch_events: int = 5000
    max_event_bytes: int = 256 * 1024
    rate_limit_rps: float = 0.0
    rate_burst: int = 50
    claim_ttl_s: float = 20.0
    delivery_timeout_s: float = 5.0
    reconcile_idle_s: float = 2.0
    retry_after_s: int = 2
    pause: PausePoint | None = None

    def __post_init__(self) -> None:
        if min(self.max_body_bytes, self.max_batch_events, self.max_event_bytes, self.rate_burst) < 1:
            raise FailClosed(IG_SETTINGS_INVALID, "IG limits must be positive")
        if self.rate_limit_rps < 0 or self.retry_after_s < 1:
            raise FailClosed(IG_SETTINGS_INVALID, "the rate limit must be >= 0 and Retry-After >= 1 s")
        if self.claim_ttl_s < self.delivery_timeout_s + 6 or self.delivery_timeout_s < 1:
            raise FailClosed(
                IG_SETTINGS_INVALID,
                "claim_ttl_s must exceed delivery_timeout_s + 6 s (producer grace), delivery_timeout_s >= 1",
                {"claim_ttl_s": self.claim_ttl_s, "delivery_timeout_s": self.delivery_timeout_s},
            )


def pause_from_profile(profile: Profile) -> PausePoint | None:
    """The pause `FP_TEST_IG_PAUSE_AT` asks for in the profile's env, or None when unset.

    Raises:
        FailClosed(IG_SETTINGS_INVALID): as `config.faults.pause_hook`.
    """
    return pause_hook(profile, PAUSE_ENV, PAUSE_POINTS, IG_SETTINGS_INVALID)
