"""IG's S3/Kafka telemetry per run: one IG process serving two runs writes each run its own part.

The figures are checked against what is really there: the Kafka bytes against the records an
independent consumer reads back, the S3 bytes against the receipt and quarantine objects listed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from ig_support import IgSite, TopicReader, new_platform_run_id, post_batch

from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_BASELINE_TOPIC = "fp.bus.traffic.baseline.v1"


def _objects_under(site: IgSite, platform_run_id: str) -> list[int]:
    prefix = S3Location(site.bucket, f"fraud-platform/{platform_run_id}/ig/")
    return sorted(info.size for info in site.store.list(prefix))


def _parts(site: IgSite, platform_run_id: str) -> list[dict[str, Any]]:
    run = RunEvidence(site.evidence_bucket, platform_run_id)
    return [
        json.loads(site.store.get(S3Location(site.evidence_bucket, info.key)))
        for info in site.store.list(run.telemetry_parts)
    ]


def test_ig_writes_s3_and_kafka_telemetry_per_run(
    ig_site: IgSite, start_ig, ready_run, topic_reader: TopicReader
) -> None:
    server = start_ig()
    first, second = ready_run(), ready_run()
    foreign = new_platform_run_id()  # well-patterned but never READY: quarantined, never attributed
    stray = {**second.baseline(99), "platform_run_id": foreign}
    mixed = [first.baseline(flow) for flow in range(5)] + [second.baseline(flow) for flow in range(3)]
    answer = post_batch(server.url, ig_site.wsp_token, [*mixed, stray])
    assert answer.status_code == 200, answer.text
    decisions = [d["decision"] for d in answer.json()["decisions"]]
    assert decisions == ["ADMIT"] * 8 + ["QUARANTINE"]
    bad = {**first.baseline(7), "payload": {"flow_id": "x"}}  # quarantined in the first run's folder
    assert post_batch(server.url, ig_site.wsp_token, [bad]).json()["decisions"][0]["decision"] == "QUARANTINE"
    server.stop()
    assert server.process.returncode == 0, server.log.read_text()[-2000:]

    for run, count in ((first, 5), (second, 3)):
        records = topic_reader.records_for(run.platform_run_id, count)
        assert len(records) == count
        parts = _parts(ig_site, run.platform_run_id)
        assert [(p["component"], p["phase"]) for p in parts] == [("ig", "ig")]
        counters = parts[0]["counters"]
        produced = counters["kafka"]["ig"][_BASELINE_TOPIC]["produce"]
        assert produced == {
            "messages": count,
            "bytes": sum(len(m.key or b"") + len(m.value) for m in records),
        }
        sizes = _objects_under(ig_site, run.platform_run_id)
        puts = counters["s3"]["ig"]["PutObject"]
        assert (puts["requests"], puts["bytes_sent"]) == (len(sizes), sum(sizes))
        rollup = json.loads(
            ig_site.store.get(RunEvidence(ig_site.evidence_bucket, run.platform_run_id).telemetry_rollup)
        )
        assert rollup["counters"] == counters
    # The first run's folder holds its receipts of both batches and the quarantine object.
    assert len(_objects_under(ig_site, first.platform_run_id)) == 3
    assert _parts(ig_site, foreign) == []
