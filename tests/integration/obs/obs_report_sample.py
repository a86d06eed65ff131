"""Realistic sample data for the run report page (a two-output run at 200 events per output)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from fraud_platform.config.schema import PricingSection
from fraud_platform.obs.cost import estimate_cost, summarize_usage
from fraud_platform.obs.report import (
    STATEMENT_KEYS,
    AcceptanceStatement,
    AdmissionSeries,
    EvidenceLink,
    OutputCounters,
    ReportData,
)

RUN = "platform_20261203T080000Z"
BUNDLE = f"s3://fp-evidence/evidence/runs/{RUN}"
START = datetime(2026, 12, 3, 8, 0, 5, tzinfo=UTC)

PRICES = PricingSection(
    currency="USD",
    taken_on="2026-12-03",
    s3_write_requests_per_1000=Decimal("0.005"),
    s3_read_requests_per_1000=Decimal("0.0004"),
    s3_storage_gb_month=Decimal("0.023"),
    s3_transfer_out_gb=Decimal("0.09"),
    kafka_ingress_gb=None,
    kafka_egress_gb=None,
    kafka_partition_hour=None,
    kafka_cluster_hour=None,
    rung_cap_usd=Decimal("1"),
)


def _series(output_id: str, count: int, rng: random.Random) -> AdmissionSeries:
    moments, latencies, now = [], [], START
    for _ in range(count):
        now += timedelta(milliseconds=rng.randint(5, 60))
        moments.append(now)
        latencies.append(round(rng.lognormvariate(2.3, 0.5), 3))
    return AdmissionSeries(output_id=output_id, admitted_at=tuple(moments), latencies_ms=tuple(latencies))


def sample_report(
    verdict: Literal["PASS", "FAIL"] = "PASS", *, output_names: tuple[str, ...] = ()
) -> ReportData:
    """A PASS run of two outputs, 200 events each; `output_names` replaces the output ids."""
    rng = random.Random(7)
    names = output_names or ("s3_event_stream_with_fraud_6B", "arrival_events_5B")
    counters = [
        OutputCounters(
            output_id=names[0],
            view_rows=950,
            sent=200,
            admitted=200,
            duplicate=0,
            quarantined=0,
            on_topic=200,
        ),
        OutputCounters(
            output_id=names[1],
            view_rows=200,
            sent=200,
            admitted=197,
            duplicate=1,
            quarantined=2,
            on_topic=197,
        ),
    ]
    holds = verdict == "PASS"
    statements = [
        AcceptanceStatement(
            key=key,
            holds=holds or key != "downstream_parity",
            summary=f"{key.replace('_', ' ')}: checked against the bundle",
            evidence_ref=f"{BUNDLE}/{key}.json",
        )
        for key in STATEMENT_KEYS
    ]
    snapshot: dict[str, Any] = {
        "s3": {
            "wsp": {"GetObject": {"requests": 1200}, "ListObjectsV2": {"requests": 40}},
            "ig": {"PutObject": {"requests": 800}},
        },
        "kafka": {"ig": {"fp.bus.traffic.fraud.v1": {"produce": {"messages": 397, "bytes": 412_000}}}},
    }
    cost = estimate_cost(summarize_usage(snapshot, stored_bytes=3 * 2**30), PRICES)
    files = ("run.json", "preflight.json", "telemetry.json", "reconciliation.json", "replay_anchors.json")
    return ReportData(
        platform_run_id=RUN,
        profile="local_parity",
        rehearsal=False,
        generated_at=datetime(2026, 12, 3, 8, 1, 0, tzinfo=UTC),
        pins={
            "oracle_pack_root": "s3://fp-object-store/oracle-store/local_parity/run_1/",
            "scenario_id": "baseline_v1",
            "stream_view_digest": "sha256:9f2c…",
        },
        verdict=verdict,
        statements=tuple(statements),
        counters=tuple(counters),
        admissions=(_series(names[0], 200, rng), _series(names[1], 197, rng)),
        cost=cost,
        evidence=tuple(EvidenceLink(name=name, uri=f"{BUNDLE}/{name}") for name in files),
    )
