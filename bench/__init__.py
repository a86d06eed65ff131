"""Benchmarks of the platform, run by `make bench` (all) or `make bench BENCH=<name>` (one).

Each benchmark is a module `bench/bench_<name>.py` with a `run()` function that starts whatever it
needs (local substrates in its own FP_HOME, stopped by PID), prints its figures and ends with exactly
one line `BENCH <name> ratio=<r> target=<t> PASS|FAIL`. `run()` returns a `BenchResult` (or, for
older modules, a bool or a dict with a `pass` key); the runner (`python -m bench`) only uses it to
decide its exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BenchResult"]


@dataclass(frozen=True)
class BenchResult:
    """The verdict of one benchmark and the figures behind it."""

    name: str
    ratio: float
    target: float
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> str:
        """The one closing line every benchmark prints."""
        verdict = "PASS" if self.passed else "FAIL"
        return f"BENCH {self.name} ratio={self.ratio:.3f} target={self.target} {verdict}"
