"""The retry policy towards IG: exponential backoff with full jitter, bounded, honouring Retry-After.

Only answers that say "not now" are retried: 408, 429, 503, a timeout or a refused connection. The
budget is bounded in attempts *and* in total sleep, so a WSP facing an IG that never comes back ends
with a transient code instead of hanging; the streamed rows are checkpointed, so a rerun resumes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRYABLE_STATUSES = frozenset({408, 429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt `n` (1-based) that failed waits min(cap, base·2^(n-1))·U(0.5, 1), or Retry-After if later."""

    max_attempts: int = 8
    base_s: float = 0.2
    cap_s: float = 10.0
    max_total_sleep_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, failed_attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after the `failed_attempt`-th failure (Retry-After wins when it is longer)."""
        backoff = min(self.cap_s, self.base_s * (2.0 ** (failed_attempt - 1)))
        jittered = backoff * (0.5 + 0.5 * self.rng.random())
        if retry_after_s is not None:
            return max(jittered, min(retry_after_s, self.cap_s))
        return jittered


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the delta-seconds form; an HTTP date is ignored: backoff applies)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
