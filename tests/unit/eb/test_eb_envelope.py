"""The envelope contract: strict models, the routing table and the deterministic event id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from fraud_platform.eb.envelope import (
    ROUTES,
    Decision,
    Envelope,
    EventDecision,
    IngestBatch,
    IngestBatchResponse,
    event_id_for,
    is_traffic_class,
    route_for,
)
from fraud_platform.eb.topics import TRAFFIC_AND_CONTEXT_TOPICS


@dataclass(frozen=True)
class _World:
    manifest_fingerprint: str = "a" * 64
    parameter_hash: str = "b" * 64
    seed: int = 42
    scenario_id: str = "baseline_v1"


def _envelope(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "event_id": "c" * 64,
        "event_type": "arrival_events_5B",
        "schema_version": "v1",
        "ts_utc": "2026-01-01T00:00:00.000000Z",
        "platform_run_id": "platform_20260101T000000Z",
        "scenario_run_id": "d" * 32,
        "manifest_fingerprint": "a" * 64,
        "parameter_hash": "b" * 64,
        "seed": 42,
        "scenario_id": "baseline_v1",
        "producer": "wsp",
        "payload": {"merchant_id": 7, "amount": 1.5, "note": None},
    }
    body.update(overrides)
    return body


def test_event_id_matches_the_contract_formula() -> None:
    expected = hashlib.sha256(
        "|".join(["arrival_events_5B", "7", "12", "a" * 64, "b" * 64, "42", "baseline_v1"]).encode()
    ).hexdigest()
    assert event_id_for("arrival_events_5B", [7, 12], _World()) == expected


def test_event_id_changes_with_every_input() -> None:
    base = event_id_for("arrival_events_5B", [7], _World())
    assert event_id_for("arrival_events_5B", [8], _World()) != base
    assert event_id_for("s1_arrival_entities_6B", [7], _World()) != base
    assert event_id_for("arrival_events_5B", [7], _World(seed=43)) != base
    assert event_id_for("arrival_events_5B", [7], _World(scenario_id="other")) != base


def test_envelope_round_trips_json_and_keeps_types() -> None:
    env = Envelope.model_validate(_envelope())
    again = Envelope.model_validate_json(env.model_dump_json())
    assert again == env
    assert again.payload == {"merchant_id": 7, "amount": 1.5, "note": None}


@pytest.mark.parametrize(
    "overrides",
    [
        {"extra": 1},
        {"seed": "42"},
        {"event_id": "XYZ"},
        {"scenario_run_id": "d" * 31},
        {"platform_run_id": "run_1"},
    ],
)
def test_envelope_rejects_bad_fields(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Envelope.model_validate(_envelope(**overrides))


def test_batch_and_response_models() -> None:
    batch = IngestBatch.model_validate_json(
        IngestBatch(events=[Envelope.model_validate(_envelope())]).model_dump_json()
    )
    assert len(batch.events) == 1
    response = IngestBatchResponse.model_validate(
        {
            "batch_id": "b1",
            "decisions": [
                {
                    "event_id": "c" * 64,
                    "decision": "ADMIT",
                    "reason_code": None,
                    "receipt_id": "r1",
                    "eb_ref": {"topic": "fp.bus.context.arrival_events.v1", "partition": 0, "offset": 3},
                }
            ],
        }
    )
    decision: EventDecision = response.decisions[0]
    assert decision.decision is Decision.ADMIT
    assert decision.eb_ref is not None and decision.eb_ref.offset == 3


def test_routes_cover_exactly_the_traffic_and_context_topics() -> None:
    assert {route.topic for route in ROUTES.values()} == {spec.name for spec in TRAFFIC_AND_CONTEXT_TOPICS}
    fraud = route_for("s3_event_stream_with_fraud_6B")
    assert fraud is not None and fraud.partition_key == "flow_id" and is_traffic_class(fraud.event_class)
    arrivals = route_for("arrival_events_5B")
    assert arrivals is not None and arrivals.partition_key == "merchant_id"
    assert not is_traffic_class(arrivals.event_class)
    assert route_for("unknown_output") is None
