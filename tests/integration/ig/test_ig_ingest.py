"""IG end to end on the real substrates: admit, duplicate, quarantine, receipts, auth and request errors."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import httpx
import pytest
from ig_support import BASELINE, IgSite, TopicReader, post_batch

from fraud_platform.core.service_token import mint_service_token
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_OPENAPI = Path(__file__).resolve().parents[3] / "src" / "fraud_platform" / "ig" / "openapi.json"


def test_admit_then_duplicate_with_one_record_per_event(
    ig_site: IgSite, start_ig, ready_run, topic_reader: TopicReader
) -> None:
    server = start_ig()
    run = ready_run()
    events = [run.baseline(flow) for flow in range(20)] + [run.arrival(7, seq) for seq in range(5)]

    first = post_batch(server.url, ig_site.wsp_token, events)
    assert first.status_code == 200, first.text
    decisions = first.json()["decisions"]
    assert [d["decision"] for d in decisions] == ["ADMIT"] * 25
    assert [d["event_id"] for d in decisions] == [e["event_id"] for e in events]

    again = post_batch(server.url, ig_site.wsp_token, events)
    assert again.status_code == 200
    repeated = again.json()["decisions"]
    assert [d["decision"] for d in repeated] == ["DUPLICATE"] * 25
    assert [d["eb_ref"] for d in repeated] == [d["eb_ref"] for d in decisions]

    records = topic_reader.records_for(run.platform_run_id, 25)
    assert len(records) == 25
    by_id = {m.headers["event_id"].decode(): m for m in records}
    assert len(by_id) == 25
    for event, decision in zip(events, decisions, strict=True):
        record = by_id[event["event_id"]]
        assert decision["eb_ref"] == {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
        }
        assert json.loads(record.value) == event
        assert (
            record.key == str(event["payload"].get("flow_id", event["payload"].get("merchant_id"))).encode()
        )
    # Records of one partition key keep their send order.
    arrivals = sorted((m for m in records if m.topic.endswith("arrival_events.v1")), key=lambda m: m.offset)
    assert [json.loads(m.value)["payload"]["arrival_seq"] for m in arrivals] == list(range(5))

    headers = {"Authorization": f"Bearer {ig_site.wsp_token}"}
    receipt = httpx.get(f"{server.url}/v1/receipts/{decisions[3]['receipt_id']}", headers=headers, timeout=10)
    assert receipt.status_code == 200
    assert receipt.json()["decision"] == "ADMIT" and receipt.json()["eb_ref"] == decisions[3]["eb_ref"]
    assert ig_site.wsp_token not in receipt.text
    event = httpx.get(
        f"{server.url}/v1/events/{events[0]['event_id']}",
        params={"platform_run_id": run.platform_run_id},
        headers=headers,
        timeout=10,
    )
    assert event.status_code == 200
    assert event.json()["admissions"][0]["state"] == "ADMITTED"
    assert event.json()["admissions"][0]["eb_ref"] == decisions[0]["eb_ref"]
    receipts = list(
        ig_site.store.list(S3Location(ig_site.bucket, f"fraud-platform/{run.platform_run_id}/ig/receipts/"))
    )
    assert len(receipts) == 2  # one object per batch, never one per event

    single = httpx.post(
        f"{server.url}/v1/ingest/event",
        json=run.baseline(500),
        headers={"Authorization": f"Bearer {ig_site.wsp_token}"},
        timeout=30,
    )
    assert single.status_code == 200 and single.json()["decision"] == "ADMIT", single.text
    assert len(topic_reader.records_for(run.platform_run_id, 26, settle_s=0.5)) == 26
    ready_facts = ig_site.facts(run.platform_run_id, "COMPONENT_READY")
    assert [fact["details"]["component"] for fact in ready_facts] == ["ig"]
    assert len(ig_site.facts(run.platform_run_id, "COMPONENT_STARTED")) == 1
    metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    assert "ig_events_admitted_total 26.0" in metrics
    assert "ig_events_duplicate_total 25.0" in metrics
    assert httpx.get(f"{server.url}/readyz", timeout=20).status_code == 200
    assert httpx.get(f"{server.url}/openapi.json", timeout=10).json() == json.loads(_OPENAPI.read_text())


def test_each_bad_event_gets_its_own_reason(ig_site: IgSite, start_ig, ready_run, tmp_path: Path) -> None:
    server = start_ig("--max-event-bytes", "2000")
    run = ready_run(intended=(BASELINE,))
    stranger = ready_run()
    admitted = run.baseline(1)
    assert post_batch(server.url, ig_site.wsp_token, [admitted]).json()["decisions"][0]["decision"] == "ADMIT"

    missing_pin = run.baseline(2)
    del missing_pin["scenario_run_id"]
    wrong_type = {**run.baseline(3), "seed": "42"}
    unknown_type = {**run.baseline(4), "event_type": "not_an_output"}
    unknown_run = {**run.baseline(5), "platform_run_id": "platform_19990101T000000Z"}
    foreign = {
        **run.baseline(6),
        "scenario_run_id": stranger.scenario_run_id,
        "platform_run_id": stranger.platform_run_id,
    }
    bad_payload = run.baseline(7)
    bad_payload["payload"] = {**bad_payload["payload"], "amount": "12.5"}
    changed = run.baseline(1, amount=99.0)
    not_intended = run.arrival(1, 1)
    too_large = run.baseline(8)
    too_large["payload"] = {**too_large["payload"], "padding": "x" * 3000}
    batch = [
        missing_pin,
        wrong_type,
        unknown_type,
        unknown_run,
        foreign,
        bad_payload,
        changed,
        not_intended,
        too_large,
    ]

    answer = post_batch(server.url, ig_site.wsp_token, batch)
    assert answer.status_code == 200, answer.text
    decisions = answer.json()["decisions"]
    assert [d["decision"] for d in decisions] == ["QUARANTINE"] * len(batch)
    assert [d["reason_code"] for d in decisions] == [
        "PINS_MISSING",
        "ENVELOPE_INVALID",
        "EVENT_TYPE_UNKNOWN",
        "RUN_NOT_READY",
        "RUN_FOREIGN",
        "PAYLOAD_SCHEMA_INVALID",
        "PAYLOAD_HASH_MISMATCH",
        "EVENT_TYPE_NOT_INTENDED",
        "EVENT_TOO_LARGE",
    ]
    batch_id = answer.json()["batch_id"]
    quarantine = ig_site.store.get(
        S3Location(ig_site.bucket, f"fraud-platform/{run.platform_run_id}/ig/quarantine/{batch_id}.ndjson")
    )
    local = tmp_path / "quarantine.ndjson"
    local.write_bytes(quarantine)
    rows = duckdb.sql(
        f"SELECT reason_code, event.payload.amount AS amount FROM read_json_auto('{local}') ORDER BY position"
    ).fetchall()
    assert [row[0] for row in rows] == [
        "PINS_MISSING",
        "ENVELOPE_INVALID",
        "EVENT_TYPE_UNKNOWN",
        "PAYLOAD_SCHEMA_INVALID",
        "PAYLOAD_HASH_MISMATCH",
        "EVENT_TYPE_NOT_INTENDED",
        "EVENT_TOO_LARGE",
    ]
    assert float(rows[4][1]) == 99.0  # the full payload is kept (JSON-unified to text by DuckDB)
    spike = [run.baseline(100 + flow) for flow in range(10)]
    for event in spike:
        event["payload"] = {**event["payload"], "flow_id": "not-an-int"}
    spiked = post_batch(server.url, ig_site.wsp_token, spike).json()
    assert {d["reason_code"] for d in spiked["decisions"]} == {"PAYLOAD_SCHEMA_INVALID"}
    facts = ig_site.facts(run.platform_run_id, "IG_QUARANTINE_SPIKE")
    assert [(f["details"]["batch_id"], f["details"]["reasons"]) for f in facts] == [
        (spiked["batch_id"], {"PAYLOAD_SCHEMA_INVALID": 10})
    ]
    server.stop()
    assert len(ig_site.facts(run.platform_run_id, "COMPONENT_STOPPED")) == 1
    unattributed = list(
        ig_site.store.list(
            S3Location(ig_site.bucket, f"fraud-platform/{stranger.platform_run_id}/ig/quarantine/")
        )
    )
    assert len(unattributed) == 1  # the foreign event is filed under the run it names


def test_request_errors_and_auth(ig_site: IgSite, start_ig) -> None:
    server = start_ig("--max-body-bytes", "5000", "--max-batch-events", "3")
    url = f"{server.url}/v1/ingest/batch"
    good = {"Authorization": f"Bearer {ig_site.wsp_token}", "Content-Type": "application/json"}

    def post(content: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(url, content=content, headers=headers, timeout=10)

    cases = [
        (post(b'{"events": []}', {"Content-Type": "application/json"}), 401, "IG_AUTH_MISSING"),
        (post(b'{"events": []}', {**good, "Authorization": "Bearer fpst1.wsp.x.y"}), 401, "IG_AUTH_INVALID"),
        (
            post(
                b'{"events": []}',
                {**good, "Authorization": f"Bearer {mint_service_token(ig_site.signing_key, 'reporter')}"},
            ),
            403,
            "IG_PRINCIPAL_FORBIDDEN",
        ),
        (post(b"{not json", good), 400, "IG_REQUEST_MALFORMED"),
        (post(b'[{"events": []}]', good), 400, "IG_REQUEST_MALFORMED"),
        (post(b'{"events": {}}', good), 400, "IG_REQUEST_MALFORMED"),
        (post(b'{"events": [{"seed": 1e400}]}', good), 400, "IG_REQUEST_MALFORMED"),
        (post(b'{"events": [NaN]}', good), 400, "IG_REQUEST_MALFORMED"),
        (post(b'{"events": ["\xff"]}', good), 400, "IG_REQUEST_MALFORMED"),
        (post(b"[" * 100000 + b"]" * 100000, good), 413, "IG_REQUEST_TOO_LARGE"),
        (post(b'{"events": [1, 2, 3, 4]}', good), 413, "IG_REQUEST_TOO_LARGE"),
        (post(b'{"events": []}', {**good, "Content-Type": "text/plain"}), 415, "IG_CONTENT_TYPE_UNSUPPORTED"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert ig_site.wsp_token not in response.text
    assert post(b"[" * 2000 + b"]" * 2000, good).status_code == 400  # deep nesting: 400, never a 500
    empty = post(b'{"events": []}', good)
    assert empty.status_code == 200 and empty.json()["decisions"] == []


def test_over_the_rate_is_429_with_retry_after(ig_site: IgSite, start_ig) -> None:
    server = start_ig("--rate-limit", "0.2", "--rate-burst", "1")
    first = post_batch(server.url, ig_site.wsp_token, [])
    second = post_batch(server.url, ig_site.wsp_token, [])
    assert first.status_code == 200
    assert (second.status_code, second.json()["code"]) == (429, "IG_RATE_LIMITED")
    assert int(second.headers["Retry-After"]) >= 1
