"""The benchmark runner: `python -m bench [name ...]` (`make bench`, `make bench BENCH=<name>`).

Discovers `bench/bench_<name>.py`, runs each selected module's `run()` in turn (in this process, so
their output streams straight through) and ends with one summary line. Exit status 0 when every
benchmark passed, 1 when one failed or raised, 2 for an unknown name.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import BenchResult

_PREFIX = "bench_"


def available() -> list[str]:
    """Names of the benchmarks in this folder, sorted; `bench_scale_sort.py` is named `scale-sort`."""
    folder = Path(__file__).resolve().parent
    return sorted(path.stem[len(_PREFIX) :].replace("_", "-") for path in folder.glob(f"{_PREFIX}*.py"))


def _passed(outcome: Any) -> bool:
    """Read a benchmark's verdict from what its `run()` returned."""
    if isinstance(outcome, BenchResult):
        return outcome.passed
    if isinstance(outcome, bool):
        return outcome
    if isinstance(outcome, dict):
        return bool(outcome.get("pass", outcome.get("passed", False)))
    return bool(getattr(outcome, "passed", False))


def main(argv: Sequence[str]) -> int:
    names = list(argv) or available()
    unknown = [name for name in names if name not in available()]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available()}", file=sys.stderr)
        return 2
    verdicts: dict[str, bool] = {}
    for name in names:
        print(f"=== bench {name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{_PREFIX}{name.replace('-', '_')}")
            verdicts[name] = _passed(module.run())
        except Exception:  # noqa: BLE001  (one broken benchmark must not hide the others' verdicts)
            traceback.print_exc()
            print(f"BENCH {name} ratio=nan target=nan FAIL", flush=True)
            verdicts[name] = False
    failed = [name for name, ok in verdicts.items() if not ok]
    print(
        f"bench summary: {len(verdicts) - len(failed)} passed, {len(failed)} failed {failed or ''}".rstrip()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
