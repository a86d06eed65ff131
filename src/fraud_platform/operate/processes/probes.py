"""Readiness probes: how the supervisor decides a started child is ready to be relied on.

A probe answers one non-blocking question (each HTTP attempt has its own short timeout); the
supervisor owns the loop and its deadline, so no probe can hang a lane. Three kinds cover the lane:
IG's `/readyz` over HTTP, WSP's ready fact (a predicate the lane supplies, e.g. "this object exists in
S3"), and "still alive after N seconds" for a child with nothing better to ask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from fraud_platform.core.errors import FailClosed
from fraud_platform.operate._reasons import PROCESS_SPEC_INVALID

__all__ = ["AliveFor", "HttpReady", "PredicateReady", "ReadinessProbe"]


class ReadinessProbe(Protocol):
    """Asked repeatedly, only while the child is alive, until true or the ready deadline passes."""

    def is_ready(self, alive_for_s: float) -> bool:
        """Whether the child is ready, `alive_for_s` seconds after it was started; never blocks long."""

    def describe(self) -> dict[str, Any]:
        """The probe as evidence (no secrets)."""


@dataclass(frozen=True)
class HttpReady:
    """Ready when `GET url` answers 200 (IG's `/readyz`); only loopback URLs are accepted."""

    url: str
    attempt_timeout_s: float = 1.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1":
            raise FailClosed(
                PROCESS_SPEC_INVALID,
                f"readiness URL must be http://127.0.0.1:…, not {self.url!r}",
                {"url": self.url},
            )

    def is_ready(self, alive_for_s: float) -> bool:
        """One GET with a short timeout; refused connections and timeouts mean "not yet"."""
        try:
            response = httpx.get(self.url, timeout=self.attempt_timeout_s)
        except httpx.TransportError:
            return False
        return response.status_code == httpx.codes.OK

    def describe(self) -> dict[str, Any]:
        """Kind and URL."""
        return {"kind": "http", "url": self.url}


@dataclass(frozen=True)
class PredicateReady:
    """Ready when `check()` returns true (WSP's ready fact in S3, written by the lane's predicate).

    The predicate must be quick and must not raise for "not yet"; an exception it raises propagates,
    because a probe that cannot ask (credentials refused, say) is a failure, not a wait.
    """

    description: str
    check: Callable[[], bool] = field(compare=False)

    def is_ready(self, alive_for_s: float) -> bool:
        """Whatever the predicate says."""
        return self.check()

    def describe(self) -> dict[str, Any]:
        """Kind and the caller's description of what is checked."""
        return {"kind": "predicate", "description": self.description}


@dataclass(frozen=True)
class AliveFor:
    """Ready once the child has stayed alive for `seconds` (it did not crash on start)."""

    seconds: float

    def is_ready(self, alive_for_s: float) -> bool:
        """True once enough time has passed; the supervisor has already checked the child lives."""
        return alive_for_s >= self.seconds

    def describe(self) -> dict[str, Any]:
        """Kind and the required lifetime."""
        return {"kind": "alive_for", "seconds": self.seconds}
