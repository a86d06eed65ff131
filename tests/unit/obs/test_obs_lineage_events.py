"""OpenLineage run events of the lane: the client's models, deterministic ids, validation that bites."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import LINEAGE_EVENT_INVALID, RUN_ID_INVALID
from fraud_platform.obs.lineage import (
    LANE_JOBS,
    PRODUCER,
    KafkaDataset,
    S3Dataset,
    build_run_event,
    event_json,
    lineage_run_id,
    validate_event,
)

RUN = "platform_20261203T074500Z"
T0 = datetime(2026, 12, 3, 7, 45, 0, 123456, tzinfo=UTC)
VIEW = S3Dataset("fp-object-store", "oracle-store/local_parity/run_1/stream_view/")
TOPIC = KafkaDataset("127.0.0.1:39092,127.0.0.2:39093", "fp.bus.traffic.fraud.v1")


def _payload(job: str = "ig", state: Any = "COMPLETE", **kwargs: Any) -> dict[str, Any]:
    event = build_run_event(
        platform_run_id=RUN,
        profile="local_parity",
        job=job,
        state=state,
        event_time=T0,
        inputs=[VIEW],
        outputs=[TOPIC],
        **kwargs,
    )
    loaded: dict[str, Any] = json.loads(event_json(event))
    return loaded


def test_every_lane_job_gets_a_start_and_a_complete_event_that_validate() -> None:
    for job in LANE_JOBS:
        for state in ("START", "COMPLETE"):
            payload = _payload(job, state)
            validate_event(payload)
            assert payload["eventType"] == state
            assert payload["job"] == {
                "namespace": "fraud-platform/local_parity",
                "name": f"lane.{job}",
                "facets": payload["job"]["facets"],
            }
            assert payload["job"]["facets"]["jobType"]["jobType"] == "LANE_STEP"


def test_datasets_follow_the_openlineage_naming_spec() -> None:
    payload = _payload()
    assert [(d["namespace"], d["name"]) for d in payload["inputs"]] == [
        ("s3://fp-object-store", "oracle-store/local_parity/run_1/stream_view/")
    ]
    assert [(d["namespace"], d["name"]) for d in payload["outputs"]] == [
        ("kafka://127.0.0.1:39092", "fp.bus.traffic.fraud.v1")
    ]
    assert payload["producer"] == PRODUCER
    assert payload["eventTime"] == "2026-12-03T07:45:00.123456Z"
    assert payload["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/OpenLineage.json")


def test_run_ids_are_uuid5_of_run_and_job_and_stable_across_start_and_complete() -> None:
    start, complete = _payload("wsp", "START"), _payload("wsp", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"] == lineage_run_id(RUN, "wsp")
    assert uuid.UUID(start["run"]["runId"]).version == 5
    assert len({lineage_run_id(RUN, job) for job in LANE_JOBS}) == len(LANE_JOBS)
    assert lineage_run_id(RUN, "wsp") != lineage_run_id("platform_20261203T074501Z", "wsp")
    assert event_json(
        build_run_event(platform_run_id=RUN, profile="p", job="sr", state="START", event_time=T0)
    ) == event_json(build_run_event(platform_run_id=RUN, profile="p", job="sr", state="START", event_time=T0))


def test_a_fail_event_carries_the_spec_error_facet() -> None:
    payload = _payload("ig", "FAIL", error="IG did not become ready in 30 s")
    validate_event(payload)
    facet = payload["run"]["facets"]["errorMessage"]
    assert facet["message"] == "IG did not become ready in 30 s"
    assert facet["_schemaURL"].startswith("https://openlineage.io/spec/facets/")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"job": "deploy"}, LINEAGE_EVENT_INVALID),
        ({"state": "COMPLETE", "error": "x"}, LINEAGE_EVENT_INVALID),
        ({"state": "FAIL"}, LINEAGE_EVENT_INVALID),
        ({"platform_run_id": "run-1"}, RUN_ID_INVALID),
        ({"inputs": [S3Dataset("", "k")]}, LINEAGE_EVENT_INVALID),
        ({"outputs": [KafkaDataset("127.0.0.1:1", "")]}, LINEAGE_EVENT_INVALID),
    ],
)
def test_builder_refuses_bad_input(kwargs: dict[str, Any], code: str) -> None:
    args: dict[str, Any] = {
        "platform_run_id": RUN,
        "profile": "local_parity",
        "job": "ig",
        "state": "START",
        "event_time": T0,
    }
    args.update(kwargs)
    with pytest.raises(FailClosed) as caught:
        build_run_event(**args)
    assert caught.value.code == code


def _broken(mutate: Any) -> dict[str, Any]:
    payload = copy.deepcopy(_payload("sr", "FAIL", error="boom"))
    mutate(payload)
    return payload


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.pop("producer"),
        lambda p: p.pop("run"),
        lambda p: p["run"].update(runId="not-a-uuid"),
        lambda p: p["run"].update(runId=7),
        lambda p: p.update(eventType="RESTARTED"),
        lambda p: p.update(eventTime="2026-12-03"),
        lambda p: p.update(eventTime="yesterday"),
        lambda p: p["job"].pop("name"),
        lambda p: p["outputs"][0].pop("namespace"),
        lambda p: p["run"]["facets"]["errorMessage"].pop("_producer"),
        lambda p: p["job"]["facets"]["jobType"].update(_schemaURL="https://example.org/x.json"),
        lambda p: p.update(inputs="s3://fp-object-store/x"),
    ],
)
def test_validation_refuses_events_that_break_the_model(mutate: Any) -> None:
    with pytest.raises(FailClosed) as caught:
        validate_event(_broken(mutate))
    assert caught.value.code == LINEAGE_EVENT_INVALID
