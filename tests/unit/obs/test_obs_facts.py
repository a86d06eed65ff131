"""The fact model: content identity, validation, and a registry of families that fails closed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.facts import (
    FACT_SCHEMA_VERSION,
    build_fact,
    compute_event_id,
    fact_file_bytes,
    parse_fact,
    run_pins,
)
from fraud_platform.obs.families import all_families, lookup_family, register_family

RUN = "platform_20250102T030405Z"


def _pins(**extra: Any) -> dict[str, Any]:
    return run_pins(RUN, "local_parity", False, **extra)


def test_event_id_is_sha256_of_cj1_family_pins_details() -> None:
    details = {"component": "demo"}
    expected = sha256_hex(
        canonical_bytes({"family": "COMPONENT_STARTED", "pins": _pins(), "details": details})
    )
    assert compute_event_id("COMPONENT_STARTED", _pins(), details) == expected
    assert build_fact("COMPONENT_STARTED", _pins(), details, "operate").event_id == expected


def test_event_id_ignores_key_order_and_actor_but_not_content() -> None:
    first = build_fact(
        "COMPONENT_READY",
        {"rehearsal": False, "profile": "local_parity", "platform_run_id": RUN},
        {"component": "demo", "port": 1},
        "operate",
    )
    again = build_fact("COMPONENT_READY", _pins(), {"port": 1, "component": "demo"}, "someone-else")
    other = build_fact("COMPONENT_READY", _pins(), {"port": 2, "component": "demo"}, "operate")
    rehearsal = build_fact(
        "COMPONENT_READY", run_pins(RUN, "local_parity", True), {"port": 1, "component": "demo"}, "operate"
    )
    assert first.event_id == again.event_id
    assert len({first.event_id, other.event_id, rehearsal.event_id}) == 3


def test_stored_bytes_are_deterministic_cj1_with_no_time() -> None:
    fact = build_fact("COMPONENT_STOPPED", _pins(), {"component": "demo", "tuple": (1, 2)}, "operate")
    data = fact_file_bytes(fact)
    assert data == fact_file_bytes(
        build_fact("COMPONENT_STOPPED", _pins(), {"component": "demo", "tuple": [1, 2]}, "operate")
    )
    assert data.endswith(b"}\n") and data.count(b"\n") == 1
    document = json.loads(data)
    assert set(document) == {"schema_version", "event_id", "family", "pins", "details", "actor"}
    assert document["schema_version"] == FACT_SCHEMA_VERSION
    assert data == canonical_bytes(document) + b"\n"
    assert parse_fact(data) == fact


def test_rehearsal_fact_says_so() -> None:
    fact = build_fact(
        "RUN_MINTED",
        run_pins(RUN, "dev_min", True),
        {"run_manifest": "run.json", "config_digest": {"algo": "sha256", "hex": "0" * 64}},
        "operate",
    )
    assert json.loads(fact_file_bytes(fact))["pins"]["rehearsal"] is True


def test_extra_pins_are_kept_and_must_be_scalars() -> None:
    fact = build_fact("COMPONENT_STARTED", _pins(scenario_run_id="abc"), {"component": "sr"}, "sr")
    assert json.loads(fact_file_bytes(fact))["pins"]["scenario_run_id"] == "abc"
    with pytest.raises(FailClosed) as caught:
        build_fact("COMPONENT_STARTED", {**_pins(), "nested": {"a": 1}}, {"component": "sr"}, "sr")
    assert caught.value.code == "FACT_INVALID"


@pytest.mark.parametrize(
    ("family", "pins", "details", "code"),
    [
        ("NO_SUCH_FAMILY", _pins(), {}, "FACT_FAMILY_UNKNOWN"),
        ("COMPONENT_STARTED", {**_pins(), "platform_run_id": "run-1"}, {"component": "x"}, "RUN_ID_INVALID"),
        (
            "COMPONENT_STARTED",
            {"platform_run_id": RUN, "profile": "local_parity"},
            {"component": "x"},
            "FACT_INVALID",
        ),
        ("COMPONENT_STARTED", {**_pins(), "rehearsal": "false"}, {"component": "x"}, "FACT_INVALID"),
        ("COMPONENT_STARTED", _pins(), {}, "FACT_INVALID"),
        (
            "COMPONENT_STARTED",
            _pins(),
            {"component": "x", "started_at_utc": "2025-01-01T00:00:00.000000Z"},
            "FACT_INVALID",
        ),
        ("COMPONENT_STARTED", _pins(), {"component": "x", "nested": [{"seen_at_utc": "t"}]}, "FACT_INVALID"),
        ("COMPONENT_STARTED", _pins(), {"component": "x", "ratio": float("nan")}, "FACT_INVALID"),
    ],
)
def test_invalid_facts_fail_closed(
    family: str, pins: dict[str, Any], details: dict[str, Any], code: str
) -> None:
    with pytest.raises(FailClosed) as caught:
        build_fact(family, pins, details, "operate")
    assert caught.value.code == code


def test_parse_fact_refuses_a_tampered_body() -> None:
    fact = build_fact("COMPONENT_STARTED", _pins(), {"component": "demo"}, "operate")
    document = json.loads(fact_file_bytes(fact))
    document["details"]["component"] = "evil"
    with pytest.raises(FailClosed) as caught:
        parse_fact(canonical_bytes(document))
    assert caught.value.code == "EVIDENCE_INVALID"
    with pytest.raises(FailClosed):
        parse_fact(b"not json")


def test_initial_families_are_registered_and_unknown_ones_fail_closed() -> None:
    names = {family.name for family in all_families()}
    assert {
        "RUN_MINTED",
        "PREFLIGHT_PASSED",
        "PREFLIGHT_FAILED",
        "COMPONENT_STARTED",
        "COMPONENT_READY",
        "COMPONENT_STOPPED",
        "BOOTSTRAP_APPLIED",
        "BOOTSTRAP_VERIFIED",
    } <= names
    with pytest.raises(FailClosed) as caught:
        lookup_family("RUN_MINTEDX")
    assert caught.value.code == "FACT_FAMILY_UNKNOWN"


def test_family_registration_is_once_per_meaning() -> None:
    assert register_family("TEST_OBS_FAMILY", "a test family", owner="tests") == "TEST_OBS_FAMILY"
    assert register_family("TEST_OBS_FAMILY", "a test family", owner="tests") == "TEST_OBS_FAMILY"
    with pytest.raises(ValueError, match="twice"):
        register_family("TEST_OBS_FAMILY", "another meaning", owner="tests")
    with pytest.raises(ValueError, match="UPPER_SNAKE"):
        register_family("lower", "bad", owner="tests")
