"""Crashes inside the commit protocol, lease expiry, and concurrent submits: one READY, ever."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from fraud_platform.config import Profile
from fraud_platform.core.errors import TransientError
from fraud_platform.core.time import FixedClock
from fraud_platform.sr import AFTER_FACTS_VIEW, AFTER_STATUS_READY, RunRequest, RunState, SrOutcome, SrRuntime
from fraud_platform.sr._reasons import SR_RUN_IN_PROGRESS
from fraud_platform.sr.identity import scenario_run_id

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"
LEASE_S = 30.0


class _Crash(Exception):
    """Stands for the process dying at a named point (not a platform error: nothing handles it)."""


def _crash_at(point: str) -> Callable[[str], None]:
    def hook(reached: str) -> None:
        if reached == point:
            raise _Crash(point)

    return hook


@pytest.fixture
def pinned(make_profile: Callable[..., Profile], sealed_pack: str) -> Profile:
    return make_profile(root=sealed_pack, scenario=SCENARIO)


def test_crash_between_facts_view_and_status_recovers_to_one_ready_after_lease_expiry(
    pinned: Profile,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    control_reader: Any,
) -> None:
    clock = FixedClock(datetime.now(UTC))
    platform_run_id = new_run(pinned)
    request = RunRequest(platform_run_id, f"crash-fv-{uuid.uuid4().hex}")
    crashing = open_sr(pinned, clock=clock, faults=_crash_at(AFTER_FACTS_VIEW), lease_s=LEASE_S)
    with pytest.raises(_Crash):
        crashing.submit(request)
    ledger = crashing.runner.ledger(platform_run_id, scenario_run_id(request.run_equivalence_key))
    view = ledger.read_facts_view()
    found = ledger.read_status()
    assert view is not None and found is not None and found[0].state is RunState.PLANNED
    plan_before = crashing.store.get(ledger.plan_location)

    survivor = open_sr(pinned, clock=clock, lease_s=LEASE_S)
    held = survivor.submit(request)  # the dead driver's lease has not expired yet
    assert held.code == "SR_RUN_IN_PROGRESS" and not held.leader and held.state is RunState.PLANNED
    clock.advance(LEASE_S + 1)
    recovered = survivor.submit(request)
    assert recovered.ok and recovered.leader and recovered.message_id == view.message_id
    assert crashing.store.get(ledger.plan_location) == plan_before  # no drift
    status = ledger.read_status()
    assert status is not None and status[0].version == 3  # ACCEPTED, PLANNED, READY: never reset
    assert len(control_reader.messages_for(platform_run_id, 1)) == 1


def test_crash_between_status_ready_and_publish_is_finished_by_reemit_or_the_next_submit(
    pinned: Profile,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    control_reader: Any,
) -> None:
    clock = FixedClock(datetime.now(UTC))
    first_run, second_run = new_run(pinned), new_run(pinned)
    crashing = open_sr(pinned, clock=clock, faults=_crash_at(AFTER_STATUS_READY), lease_s=LEASE_S)
    by_reemit = RunRequest(first_run, f"crash-st-a-{uuid.uuid4().hex}")
    by_submit = RunRequest(second_run, f"crash-st-b-{uuid.uuid4().hex}")
    for request in (by_reemit, by_submit):
        with pytest.raises(_Crash):
            crashing.submit(request)
    assert control_reader.messages_for(first_run, 0, settle_s=0.5) == []

    survivor = open_sr(pinned, clock=clock, lease_s=LEASE_S)
    status = survivor.status(scenario_run_id(by_reemit.run_equivalence_key))
    assert status.outcome.state is RunState.READY and status.outcome.code == "SR_RUN_IN_PROGRESS"
    ledger = survivor.runner.ledger(first_run, scenario_run_id(by_reemit.run_equivalence_key))
    records_before = len(ledger.read_records())
    with pytest.raises(TransientError) as held:  # the dead driver's lease still fences the run
        survivor.reemit(scenario_run_id(by_reemit.run_equivalence_key), platform_run_id=first_run)
    assert held.value.code == SR_RUN_IN_PROGRESS
    assert len(ledger.read_records()) == records_before  # refused before any ledger write
    assert control_reader.messages_for(first_run, 0, settle_s=0.5) == []

    clock.advance(LEASE_S + 1)
    reemitted = survivor.reemit(scenario_run_id(by_reemit.run_equivalence_key), platform_run_id=first_run)
    assert reemitted.ok and reemitted.message_id == status.outcome.message_id
    assert ledger.record_events()[-1] == "READY_REEMITTED"
    after = survivor.submit(by_reemit)  # READY and delivered: nothing more to do
    assert after.ok and not after.leader
    assert len(control_reader.messages_for(first_run, 1)) == 1

    finished = survivor.submit(by_submit)
    assert finished.ok and finished.leader and finished.published
    again = survivor.submit(by_submit)
    assert again.ok and not again.leader and again.message_id == finished.message_id
    messages = control_reader.messages_for(second_run, 1)
    assert len(messages) == 1


def test_five_concurrent_submits_elect_one_leader_and_publish_one_ready(
    backend_dsn: str,
    make_profile: Callable[..., Profile],
    sealed_pack: str,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    control_reader: Any,
) -> None:
    profile = make_profile(root=sealed_pack, scenario=SCENARIO, dsn=backend_dsn)
    platform_run_id = new_run(profile)
    run_request = RunRequest(platform_run_id, f"race-{uuid.uuid4().hex}")
    runtimes = [open_sr(profile) for _ in range(5)]
    barrier = threading.Barrier(len(runtimes))

    def submit(runtime: SrRuntime) -> SrOutcome:
        barrier.wait()
        return runtime.submit(run_request)

    with ThreadPoolExecutor(len(runtimes)) as pool:
        outcomes = list(pool.map(submit, runtimes))
    assert sum(outcome.leader for outcome in outcomes) == 1
    assert sum(outcome.registered for outcome in outcomes) == 1
    assert len({outcome.scenario_run_id for outcome in outcomes}) == 1
    for outcome in outcomes:
        assert outcome.ok or outcome.code == "SR_RUN_IN_PROGRESS"
    final = runtimes[0].submit(run_request)
    assert final.ok and final.message_id == next(o.message_id for o in outcomes if o.leader)
    assert len(control_reader.messages_for(platform_run_id, 1)) == 1
