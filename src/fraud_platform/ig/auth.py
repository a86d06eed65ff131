"""Who may call IG, and how fast: service-token authentication, the ingest policy, a rate limiter.

The token is checked before the body is read, so an unauthenticated client cannot make IG parse
megabytes. A valid token whose principal is not in `INGEST_PRINCIPALS` is 403 (known, not allowed);
anything else is 401. The token never appears in an error or a log: details name the principal only.
"""

from __future__ import annotations

import threading

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.service_token import verify_service_token
from fraud_platform.core.time import Clock
from fraud_platform.ig._reasons import (
    IG_AUTH_INVALID,
    IG_AUTH_MISSING,
    IG_PRINCIPAL_FORBIDDEN,
    IG_RATE_LIMITED,
)

__all__ = ["INGEST_PRINCIPALS", "Authenticator", "RateLimiter"]

INGEST_PRINCIPALS = frozenset({"wsp"})
"""Principals that may ingest traffic and context events (WSP streams both)."""

_BEARER = "bearer "


class Authenticator:
    """Verifies `Authorization: Bearer <token>` against IG's signing key."""

    def __init__(self, signing_key: str) -> None:
        self._key = signing_key

    def principal(self, authorization: str | None) -> str:
        """The verified principal of a header; FailClosed IG_AUTH_MISSING / IG_AUTH_INVALID otherwise."""
        if not authorization or not authorization.lower().startswith(_BEARER):
            raise FailClosed(IG_AUTH_MISSING, "send `Authorization: Bearer <service token>`")
        principal = verify_service_token(self._key, authorization[len(_BEARER) :].strip())
        if principal is None:
            raise FailClosed(IG_AUTH_INVALID, "the service token does not verify")
        return principal

    def ingest_principal(self, authorization: str | None) -> str:
        """Like `principal`, and FailClosed(IG_PRINCIPAL_FORBIDDEN) unless it may ingest."""
        principal = self.principal(authorization)
        if principal not in INGEST_PRINCIPALS:
            raise FailClosed(IG_PRINCIPAL_FORBIDDEN, f"principal {principal} may not ingest events")
        return principal


class RateLimiter:
    """A token bucket over requests (per process); `rate_per_s <= 0` disables it."""

    def __init__(self, rate_per_s: float, burst: int, clock: Clock) -> None:
        self._rate = rate_per_s
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        """Spend one token or raise TransientError(IG_RATE_LIMITED) (HTTP 429)."""
        if self._rate <= 0:
            return
        with self._lock:
            now = self._clock.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens < 1:
                raise TransientError(IG_RATE_LIMITED, f"over {self._rate:g} requests/s")
            self._tokens -= 1
