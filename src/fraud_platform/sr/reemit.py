"""`fp sr reemit RUN --kind READY`: publish the identical READY again, for its own platform run only.

The message is rebuilt from the facts view and must equal the pinned ready_signal, so a re-emit can
never differ from the original (same bytes, same `message_id`). Refused before anything is sent:
an unsupported kind, a stale or foreign scenario_run_id (SR_RUN_UNKNOWN), a re-emit towards another
platform run (CROSS_RUN_REEMIT_REFUSED), a closed or unknown platform run (PLATFORM_RUN_STALE /
PLATFORM_RUN_UNKNOWN), a run that is not READY (REEMIT_NOT_READY), a run whose lease another driver
holds (SR_RUN_IN_PROGRESS, transient: that driver is about to publish, or its lease expires within one
TTL).

A re-emit writes to the run's ledger (the ready signal if a crash left it unwritten, and its
READY_REEMITTED record), so it takes the run's lease like any driver and every write passes the same
fence: a re-emit can never write beside a live driver, nor after its own lease lapsed.
"""

from __future__ import annotations

import dataclasses
import secrets

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.sr._reasons import (
    CROSS_RUN_REEMIT_REFUSED,
    REEMIT_KIND_UNSUPPORTED,
    REEMIT_NOT_READY,
    SR_RUN_IN_PROGRESS,
)
from fraud_platform.sr.facts import SR_READY_REEMITTED
from fraud_platform.sr.lease import LeaseKeeper
from fraud_platform.sr.lookup import registered_run
from fraud_platform.sr.outcome import SrOutcome
from fraud_platform.sr.platform_runs import check_platform_run
from fraud_platform.sr.publish import delivery_json, prepare_ready, produce_ready
from fraud_platform.sr.runner import ScenarioRunner
from fraud_platform.sr.states import RunState

__all__ = ["REEMIT_KINDS", "reemit_ready"]

REEMIT_KINDS = ("READY",)


def reemit_ready(
    runner: ScenarioRunner, scenario_run_id: str, *, platform_run_id: str | None = None, kind: str = "READY"
) -> SrOutcome:
    """Republish a READY run's message; blocks until the broker acknowledged it.

    `platform_run_id`, when given, is the run the caller acts for: it must own the scenario run.
    Raises the refusals above, and the bus port's errors when the publication fails.
    """
    if kind not in REEMIT_KINDS:
        raise FailClosed(
            REEMIT_KIND_UNSUPPORTED, f"--kind {kind!r}: only READY can be re-emitted", {"kind": kind}
        )
    entry = registered_run(
        runner.authority, scenario_run_id, platform_run_id, mismatch=CROSS_RUN_REEMIT_REFUSED
    )
    check_platform_run(runner.store, runner.profile, entry.platform_run_id)
    ledger = runner.ledger(entry.platform_run_id, scenario_run_id)
    lease = runner.authority.acquire_lease(
        scenario_run_id, secrets.token_hex(16), runner.clock.now(), runner.lease_s
    )
    if lease is None:
        raise TransientError(
            SR_RUN_IN_PROGRESS,
            f"another driver holds the lease of scenario run {scenario_run_id}; re-emit once it has "
            "finished or its lease has expired",
            {"scenario_run_id": scenario_run_id},
        )
    keeper = LeaseKeeper(runner.authority, lease, runner.clock, runner.lease_s)
    try:
        ledger = dataclasses.replace(ledger, fence=keeper.fence)
        found = ledger.read_status()
        if found is None or found[0].state is not RunState.READY:
            state = found[0].state if found is not None else None
            raise FailClosed(
                REEMIT_NOT_READY,
                f"scenario run {scenario_run_id} is {state or 'not started'}, not READY",
                {"scenario_run_id": scenario_run_id, "state": str(state) if state else None},
            )
        ready = prepare_ready(ledger, found[0], runner.topic)
        delivery = produce_ready(runner.producer, ready, scenario_run_id=scenario_run_id)
        refs = {"message_id": ready.message_id, **delivery_json(delivery)}
        runner.journal.record(ledger, "READY_REEMITTED", RunState.READY, refs=refs)
        runner.journal.fact(ledger, SR_READY_REEMITTED, refs)
    finally:
        keeper.release()
    runner.journal.log("sr_ready_reemitted", ledger, **refs)
    return SrOutcome(
        platform_run_id=entry.platform_run_id,
        scenario_run_id=scenario_run_id,
        state=RunState.READY,
        code="OK",
        message_id=ready.message_id,
        published=True,
        refs={
            "status": ledger.status_location.uri,
            "facts_view": ledger.facts_view_location.uri,
            "ready_signal": ledger.ready_signal_location.uri,
        },
        delivery=delivery_json(delivery),
    )
