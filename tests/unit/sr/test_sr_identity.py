"""SR identity laws and the monotonic state machine."""

from __future__ import annotations

import hashlib

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort.closure.receipt import compute_stream_view_id
from fraud_platform.sr.identity import (
    bundle_hash,
    intent_fingerprint,
    ready_message_id,
    scenario_run_id,
    stream_view_id,
    validate_scenario_run_id,
)
from fraud_platform.sr.states import RunState, check_transition


def test_scenario_run_id_is_first_32_hex_of_the_prefixed_key() -> None:
    expected = hashlib.sha256(b"sr_run|key-1").hexdigest()[:32]
    assert scenario_run_id("key-1") == expected
    assert scenario_run_id("key-1") != scenario_run_id("key-2")


def test_intent_fingerprint_ignores_output_order_but_not_pins() -> None:
    world = {"seed": 1, "scenario_id": "s"}
    first = intent_fingerprint(world, ["b", "a"], {"root": "r"})
    assert first == intent_fingerprint(world, ["a", "b"], {"root": "r"})
    assert first != intent_fingerprint(world, ["a", "b"], {"root": "other"})


def test_bundle_hash_is_order_independent_in_locators_and_receipts() -> None:
    locators = [{"output_id": "b", "uri": "2"}, {"output_id": "a", "uri": "1"}]
    receipts = [{"gate_id": "6B", "status": "PASS"}, {"gate_id": "1A", "status": "PASS"}]
    assert bundle_hash(locators, receipts, {"p": 1}) == bundle_hash(locators[::-1], receipts[::-1], {"p": 1})
    assert bundle_hash(locators, receipts, {"p": 1}) != bundle_hash(locators, receipts, {"p": 2})


def test_ready_message_id_follows_the_contract() -> None:
    expected = hashlib.sha256(b"ready|platform_20260101T000000Z|abc|def").hexdigest()
    assert ready_message_id("platform_20260101T000000Z", "abc", "def") == expected


def test_state_machine_allows_forward_moves_only() -> None:
    check_transition(None, RunState.ACCEPTED)
    check_transition(RunState.ACCEPTED, RunState.PLANNED)
    check_transition(RunState.PLANNED, RunState.WAITING_EVIDENCE)
    check_transition(RunState.WAITING_EVIDENCE, RunState.WAITING_EVIDENCE)
    check_transition(RunState.WAITING_EVIDENCE, RunState.READY)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (None, RunState.READY),
        (RunState.PLANNED, RunState.ACCEPTED),
        (RunState.READY, RunState.WAITING_EVIDENCE),
        (RunState.FAILED, RunState.READY),
        (RunState.QUARANTINED, RunState.READY),
        (RunState.ACCEPTED, RunState.READY),
    ],
)
def test_state_machine_refuses_regressions_and_terminal_moves(
    current: RunState | None, target: RunState
) -> None:
    with pytest.raises(FailClosed) as caught:
        check_transition(current, target)
    assert caught.value.code == "STATE_REGRESSION"


def test_scenario_run_ids_are_validated_before_they_name_anything() -> None:
    assert validate_scenario_run_id("0123456789abcdef0123456789abcdef")
    for bad in ("", "0123456789ABCDEF0123456789ABCDEF", "../etc", "0" * 31, "0" * 33):
        with pytest.raises(FailClosed) as caught:
            validate_scenario_run_id(bad)
        assert caught.value.code == "SR_RUN_ID_INVALID"


def test_stream_view_id_agrees_with_the_oracle_sort() -> None:
    pack = "a" * 64
    assert stream_view_id(pack, "arrival_events_5B", ["ts_utc"]) == compute_stream_view_id(
        pack, "arrival_events_5B", ["ts_utc"]
    )
    assert stream_view_id(pack, "arrival_events_5B", ["ts_utc"]) != stream_view_id(pack, "x", ["ts_utc"])
