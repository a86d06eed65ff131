"""Results of verify: probes (real calls under a role) and checks (settings read as the operator).

A verdict is PASS only when what was observed is what the role model expects. A control the local
substrate cannot enforce is UNSUPPORTED_LOCALLY: reported, never counted as a pass, never hidden.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["CheckResult", "Observed", "ProbeResult", "Verdict", "judge"]


class Verdict(enum.StrEnum):
    """The verdict of one probe or check."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNSUPPORTED_LOCALLY = "UNSUPPORTED_LOCALLY"


class Observed(enum.StrEnum):
    """What a probe's call did."""

    ALLOWED = "allowed"
    DENIED = "denied"
    UNSUPPORTED = "unsupported"
    ERROR = "error"


def judge(expect_allow: bool, observed: Observed) -> Verdict:
    """PASS iff allowed-as-expected or denied-as-expected; unsupported is its own verdict; errors fail."""
    if observed is Observed.UNSUPPORTED:
        return Verdict.UNSUPPORTED_LOCALLY
    if observed is Observed.ERROR:
        return Verdict.FAIL
    return Verdict.PASS if (observed is Observed.ALLOWED) == expect_allow else Verdict.FAIL


@dataclass(frozen=True)
class ProbeResult:
    """One probe: role, action, target, expected (allow/deny), observed, verdict and a short detail."""

    role: str
    action: str
    target: str
    expect_allow: bool
    observed: Observed
    detail: str = ""

    @property
    def verdict(self) -> Verdict:
        return judge(self.expect_allow, self.observed)

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "action": self.action,
            "target": self.target,
            "expected": "allow" if self.expect_allow else "deny",
            "observed": self.observed.value,
            "verdict": self.verdict.value,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class CheckResult:
    """One setting check: what the plan wants, what the substrate says, and the verdict."""

    target: str
    check: str
    expected: str
    observed: str
    verdict: Verdict
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "check": self.check,
            "expected": self.expected,
            "observed": self.observed,
            "verdict": self.verdict.value,
            "detail": self.detail,
        }
