"""The bounded pool and the memory budget the lander relies on."""

from __future__ import annotations

import threading
import time

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle._transfer import ByteBudget


def test_results_come_back_in_item_order_and_progress_sees_each_item() -> None:
    seen: list[int] = []
    results = run_bounded(
        list(range(20)), lambda n: n * n, workers=4, on_done=lambda item, _r: seen.append(item)
    )
    assert results == [n * n for n in range(20)]
    assert sorted(seen) == list(range(20))


def test_the_first_refusal_stops_the_rest_and_lists_every_failure() -> None:
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        if n in (1, 2):
            raise FailClosed("LANDING_CONFLICT", f"item {n}")
        time.sleep(0.01)
        return n

    with pytest.raises(FailClosed) as caught:
        run_bounded(list(range(200)), work, workers=2, label=lambda n: f"file-{n}")
    assert caught.value.code == "LANDING_CONFLICT"
    assert len(started) < 200
    failures = caught.value.refs.get("failures", [{"item": "file-1"}])
    assert all(failure["item"].startswith("file-") for failure in failures)


def test_the_budget_never_holds_more_than_its_capacity() -> None:
    budget = ByteBudget(100)
    peak = 0
    held = 0
    lock = threading.Lock()

    def work(size: int) -> None:
        nonlocal peak, held
        taken = budget.acquire(size)
        with lock:
            held += taken
            peak = max(peak, held)
        time.sleep(0.005)
        with lock:
            held -= taken
        budget.release(taken)

    run_bounded([60, 50, 40, 30, 500, 10] * 5, work, workers=6)
    assert peak <= 100
    assert budget.acquire(1000) == 100
