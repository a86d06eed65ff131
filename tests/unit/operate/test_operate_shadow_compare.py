"""The shadow comparison: what counts as a difference, which kind it is, and which one comes first."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fraud_platform.config import profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.config.view import config_digest
from fraud_platform.obs.shadow_record import ShadowRecord
from fraud_platform.operate.lane.pin import PackPin, no_pointer, pinned_profile
from fraud_platform.operate.lane.shadow_compare import AdmittedEvent, RunRecords, compare_runs
from fraud_platform.oracle.layout import PackRoot

_OUT = "s3_flow_anchor_baseline_6B"
_OTHER = "arrival_events_5B"


def _event(event_id: str, key: str, offset: int, *, payload: str = "p", output: str = _OUT) -> AdmittedEvent:
    return AdmittedEvent(output, event_id, f"hash-{payload}-{event_id}", key, 0, offset)


def _records(*events: AdmittedEvent, extra: dict[tuple[str, str], list[str]] | None = None) -> RunRecords:
    decisions: dict[tuple[str, str], list[str]] = {(e.output_id, e.event_id): ["ADMIT"] for e in events}
    return RunRecords(events, {**decisions, **(extra or {})})


def test_two_runs_with_the_same_events_in_the_same_order_are_identical() -> None:
    left = _records(_event("a", "k1", 10), _event("b", "k1", 11), _event("c", "k2", 12))
    # the right run sits elsewhere on the topic (other offsets), same order per key
    right = _records(_event("a", "k1", 40), _event("c", "k2", 41), _event("b", "k1", 42))
    comparison = compare_runs(left, right)
    assert comparison.identical and comparison.differences == ()
    assert comparison.compared == {
        _OUT: {"left_admitted": 3, "right_admitted": 3, "in_both": 3, "differences": 0}
    }


def test_a_missing_event_is_reported_once_as_membership_and_in_the_decisions_not_as_a_reordering() -> None:
    left = _records(_event("a", "k1", 1), _event("b", "k1", 2), _event("c", "k1", 3))
    right = _records(_event("a", "k1", 1), _event("c", "k1", 2))
    kinds = [(d.kind, d.subject, d.left, d.right) for d in compare_runs(left, right).differences]
    assert kinds == [("only_left", "b", "hash-p-b", None), ("decisions", "b", "ADMIT", None)]


def test_a_changed_payload_is_reported_with_both_hashes() -> None:
    left = _records(_event("a", "k1", 1), _event("b", "k1", 2))
    right = _records(_event("a", "k1", 1), _event("b", "k1", 2, payload="changed"))
    (only,) = compare_runs(left, right).differences
    assert (only.kind, only.subject, only.left, only.right) == ("payload", "b", "hash-p-b", "hash-changed-b")


def test_a_reordering_within_a_key_is_reported_at_its_first_position() -> None:
    left = _records(_event("a", "k1", 1), _event("b", "k1", 2), _event("c", "k1", 3), _event("x", "k2", 4))
    right = _records(_event("a", "k1", 1), _event("c", "k1", 2), _event("b", "k1", 3), _event("x", "k2", 4))
    (only,) = compare_runs(left, right).differences
    assert (only.kind, only.subject, only.left, only.right) == ("order", "key k1 position 1", "b", "c")


def test_other_decisions_for_the_same_event_are_a_difference() -> None:
    left = _records(_event("a", "k1", 1))
    right = _records(_event("a", "k1", 1), extra={(_OUT, "a"): ["DUPLICATE", "ADMIT"]})
    (only,) = compare_runs(left, right).differences
    assert (only.kind, only.left, only.right) == ("decisions", "ADMIT", "ADMIT,DUPLICATE")


def test_differences_come_by_output_then_kind_then_subject_so_the_first_is_reproducible() -> None:
    left = _records(
        _event("z", "k", 1, output=_OUT),
        _event("m", "k", 2, output=_OTHER),
        _event("n", "k", 3, output=_OTHER),
    )
    right = _records(_event("y", "k", 1, output=_OUT), _event("n", "k", 2, output=_OTHER, payload="q"))
    found = [(d.output_id, d.kind, d.subject) for d in compare_runs(left, right).differences]
    assert found == [
        (_OTHER, "only_left", "m"),
        (_OTHER, "payload", "n"),
        (_OTHER, "decisions", "m"),
        (_OUT, "only_left", "z"),
        (_OUT, "only_right", "y"),
        (_OUT, "decisions", "y"),
        (_OUT, "decisions", "z"),
    ]
    assert compare_runs(left, right).first(2) == list(compare_runs(left, right).differences[:2])


def test_a_pinned_profile_names_its_root_in_the_config_digest_and_reads_no_pointer(tmp_path: Path) -> None:
    env = {
        "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:1",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:2",
        "FP_LOCAL_STATE_DSN": "sqlite:///x.sqlite",
        "FP_LOCAL_IG_PORT": "40123",
    }
    profile = profile_from_document(
        raw_profile("local_parity"), name="local_parity", env=env, fp_home=tmp_path
    )
    pin = PackPin(PackRoot.parse("s3://fp-object-store/oracle-store/local_parity/w1"), "baseline_v1")
    pinned = pinned_profile(profile, pin)
    assert pinned.oracle.engine_run_root == "s3://fp-object-store/oracle-store/local_parity/w1/"
    assert pinned.oracle.scenario_id == "baseline_v1" and profile.oracle.engine_run_root is None
    assert pinned.source == profile.source  # the children are started from the same environment
    assert config_digest(pinned) != config_digest(profile)
    assert no_pointer() is None


def test_the_shadow_document_refuses_an_unknown_field_and_a_malformed_run_id() -> None:
    side = {
        "platform_run_id": "platform_20261203T080000Z",
        "pack_root": "s3://b/oracle-store/x/",
        "oracle_pack_id": "0" * 64,
        "lane_verdict": "PASS",
        "evidence": "s3://e/evidence/runs/platform_20261203T080000Z/run_completed.json",
    }
    document = {
        "shadow_id": "platform_20261203T080001Z",
        "profile": "local_parity",
        "rehearsal": False,
        "scenario_id": "baseline_v1",
        "events_per_output": 20,
        "left": side,
        "right": {**side, "platform_run_id": "platform_20261203T080001Z"},
        "verdict": "PASS",
        "code": "OK",
        "compared": {},
        "difference_count": 0,
        "differences": [],
        "method": "m",
    }
    assert ShadowRecord.model_validate(document).schema_version == "fp.operate.shadow.v1"
    for broken in ({**document, "extra": 1}, {**document, "shadow_id": "platform_x"}):
        with pytest.raises(ValidationError):
            ShadowRecord.model_validate(broken)
