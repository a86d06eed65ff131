"""Declarative specs of the processes a lane supervises (IG, WSP): what to run, as whom, how to judge it.

Why declarative: the lane's evidence records exactly what was started (command, role, deadlines,
restart policy) without ever recording the environment, which carries the role's credentials. The
environment is given whole by the caller, built from the role's credentials; the child inherits
nothing from the parent's shell, so a stray variable there cannot change what the child does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_platform.config import ROLES
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import is_secret_key
from fraud_platform.operate._reasons import PROCESS_SPEC_INVALID
from fraud_platform.operate.processes.probes import ReadinessProbe

__all__ = ["Deadlines", "ProcessSpec", "RestartPolicy"]

_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _invalid(name: str, detail: str) -> FailClosed:
    return FailClosed(PROCESS_SPEC_INVALID, f"process {name!r}: {detail}", {"process": name})


@dataclass(frozen=True)
class RestartPolicy:
    """How often a dying child is started again, and how long to wait before each restart.

    The n-th restart waits `backoff_s * factor**(n-1)`, capped at `max_backoff_s`, so a child that
    crashes because a dependency is briefly away gets a growing pause rather than a tight loop.
    """

    max_restarts: int = 0
    backoff_s: float = 0.5
    factor: float = 2.0
    max_backoff_s: float = 5.0

    def delay_before(self, restart: int) -> float:
        """Seconds to wait before restart number `restart` (1-based)."""
        return float(min(self.max_backoff_s, self.backoff_s * self.factor ** max(0, restart - 1)))


@dataclass(frozen=True)
class Deadlines:
    """Every wait on a child has a deadline: ready within, stop gracefully within, then forced."""

    ready_within_s: float = 30.0
    stop_within_s: float = 10.0
    kill_within_s: float = 5.0


@dataclass(frozen=True)
class ProcessSpec:
    """One supervised process.

    `env` is the child's complete environment and is excluded from `repr` and from `describe()`,
    because it carries the role's secret key. `expect_exit` marks a process that is meant to finish
    (WSP `--once`): its exit 0 is completion, not a death to restart.
    """

    name: str
    argv: tuple[str, ...]
    role: str
    cwd: Path
    log_path: Path
    ready: ReadinessProbe
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    deadlines: Deadlines = field(default_factory=Deadlines)
    expect_exit: bool = False

    def __post_init__(self) -> None:
        if not _NAME_PATTERN.match(self.name):
            raise _invalid(self.name, "name must match [a-z][a-z0-9_-]{0,39}")
        if not self.argv or not all(isinstance(part, str) and part for part in self.argv):
            raise _invalid(self.name, "argv must be a non-empty tuple of non-empty strings")
        if self.role not in ROLES:
            raise _invalid(self.name, f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        if self.restart.max_restarts < 0 or self.restart.backoff_s < 0 or self.restart.max_backoff_s < 0:
            raise _invalid(self.name, "restart counts and backoffs must not be negative")
        short = sorted(key for key, value in self.env.items() if is_secret_key(key) and 0 < len(value) < 6)
        if short:
            raise _invalid(self.name, f"secret env values too short to redact safely: {short}")
        deadlines = (
            self.deadlines.ready_within_s,
            self.deadlines.stop_within_s,
            self.deadlines.kill_within_s,
        )
        if any(value <= 0 for value in deadlines):
            raise _invalid(self.name, "every deadline must be positive (no wait without a deadline)")

    @property
    def executable(self) -> str:
        """The `argv[0]` that `/proc/<pid>/cmdline` must show for a PID to still be this child."""
        return self.argv[0]

    def describe(self) -> dict[str, Any]:
        """The spec as evidence: everything but the environment's values (names only)."""
        return {
            "name": self.name,
            "argv": list(self.argv),
            "role": self.role,
            "cwd": str(self.cwd),
            "log_path": str(self.log_path),
            "ready": self.ready.describe(),
            "env_names": sorted(self.env),
            "restart": {
                "max_restarts": self.restart.max_restarts,
                "backoff_s": self.restart.backoff_s,
                "factor": self.restart.factor,
                "max_backoff_s": self.restart.max_backoff_s,
            },
            "deadlines": {
                "ready_within_s": self.deadlines.ready_within_s,
                "stop_within_s": self.deadlines.stop_within_s,
                "kill_within_s": self.deadlines.kill_within_s,
            },
            "expect_exit": self.expect_exit,
        }
