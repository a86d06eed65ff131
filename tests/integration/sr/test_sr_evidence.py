"""Evidence before READY: WAITING until a view is built, FAILED at the deadline, QUARANTINED on tamper."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from fraud_platform.config import Profile
from fraud_platform.core.time import FixedClock
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import load_manifest
from fraud_platform.sr import RunRequest, RunState, SrRuntime

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"
ARRIVALS = "arrival_events_5B"
BASELINE = "s2_event_stream_baseline_6B"


@pytest.fixture(scope="module")
def unsorted_pack(pack_builder: Callable[..., PackRoot]) -> PackRoot:
    """Landed and sealed, no stream view yet (each test sorts only what it needs)."""
    return pack_builder()


def test_waiting_until_the_missing_stream_view_is_built_then_ready(
    unsorted_pack: PackRoot,
    make_profile: Callable[..., Profile],
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    sort_views: Callable[[PackRoot, list[str]], None],
    control_reader: Any,
) -> None:
    profile = make_profile(root=unsorted_pack.uri, scenario=SCENARIO)
    sr = open_sr(profile)
    platform_run_id = new_run(profile)
    request = RunRequest(platform_run_id, f"wait-{uuid.uuid4().hex}", outputs=(ARRIVALS,))
    waiting = sr.submit(request)
    assert waiting.state is RunState.WAITING_EVIDENCE and waiting.code == "EVIDENCE_WAITING"
    assert [r.code for r in waiting.reasons] == ["STREAM_VIEW_MISSING"]
    ledger = sr.runner.ledger(platform_run_id, waiting.scenario_run_id)
    plan = sr.store.get(ledger.plan_location)
    again = sr.evaluate(waiting.scenario_run_id)
    assert again.state is RunState.WAITING_EVIDENCE and ledger.read_facts_view() is None

    sort_views(unsorted_pack, [ARRIVALS])
    ready = sr.evaluate(waiting.scenario_run_id, platform_run_id=platform_run_id)
    assert ready.ok and ready.state is RunState.READY and ready.published
    assert sr.store.get(ledger.plan_location) == plan  # re-evaluation never re-planned
    assert len(control_reader.messages_for(platform_run_id, 1)) == 1
    view = sr.status(waiting.scenario_run_id)
    events = [r.event for r in view.records]
    assert events.count("WAITING_EVIDENCE") == 2 and "READY_COMMITTED" in events
    assert view.status is not None and view.status.version == 4  # ACCEPTED, PLANNED, WAITING, READY


def test_waiting_fails_at_the_deadline_and_a_resubmission_never_resets_it(
    unsorted_pack: PackRoot,
    make_profile: Callable[..., Profile],
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
) -> None:
    profile = make_profile(root=unsorted_pack.uri, scenario=SCENARIO, deadline_s=60)
    clock = FixedClock(datetime.now(UTC))
    sr = open_sr(profile, clock=clock)
    platform_run_id = new_run(profile)
    request = RunRequest(platform_run_id, f"deadline-{uuid.uuid4().hex}", outputs=(BASELINE,))
    assert sr.submit(request).state is RunState.WAITING_EVIDENCE
    clock.advance(59)
    assert sr.evaluate(sr.submit(request).scenario_run_id).state is RunState.WAITING_EVIDENCE
    clock.advance(2)
    failed = sr.evaluate(sr.submit(request).scenario_run_id)
    assert failed.state is RunState.FAILED and failed.code == "EVIDENCE_MISSING_DEADLINE"
    resubmitted = sr.submit(request)
    assert resubmitted.state is RunState.FAILED and not resubmitted.leader
    status = sr.status(failed.scenario_run_id).status
    assert status is not None and status.reason == "EVIDENCE_MISSING_DEADLINE"


def test_a_tampered_gate_quarantines_the_run_for_good(
    pack_builder: Callable[..., PackRoot],
    make_profile: Callable[..., Profile],
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    sr_site: Any,
    sr_world: Any,
) -> None:
    root = pack_builder()
    flag_path = load_catalogue().gate("gate.layer3.6B.validation").flag_path(sr_world.manifest_fingerprint)
    assert flag_path in load_manifest(sr_site.store, root).by_path()
    flag = root.child(flag_path)
    sr_site.store.delete(flag)
    sr_site.store.put_if_absent(flag, b"sha256_hex = " + b"0" * 64 + b"\n")

    profile = make_profile(root=root.uri, scenario=SCENARIO)
    sr = open_sr(profile)
    request = RunRequest(new_run(profile), f"tamper-{uuid.uuid4().hex}", outputs=(BASELINE,))
    quarantined = sr.submit(request)
    assert quarantined.state is RunState.QUARANTINED and quarantined.code == "EVIDENCE_CONFLICT"
    assert quarantined.reasons and quarantined.reasons[0].code in ("ORACLE_VERIFY_FAILED", "GATE_CONFLICT")
    assert quarantined.message_id is None
    assert sr.submit(request).state is RunState.QUARANTINED
    assert sr.evaluate(quarantined.scenario_run_id).state is RunState.QUARANTINED
