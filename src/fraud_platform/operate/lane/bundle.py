"""The lane's closure-bundle files: reconciliation, anchors, pack check, lineage, telemetry, report.

Everything here is built from records already read (the reconciliation, the pack check, the
supervisor's events, this process's telemetry); nothing is taken from a child's stdout. The four
acceptance statements are stated as narrowly as this first cut proves them, each naming the bundle
file that holds its evidence:
- landed truth continuity and gates passing: the Oracle consumer check of the pointer's pack passed
  (landing manifest, seal and every gate receipt by hash; `fp oracle verify` is not run here yet);
- stream-view closure: every view the run streamed is named by its committed closure receipt and
  view manifest (by SHA-256) in the same check;
- downstream parity: the reconciliation passed (admitted = min(cap, view rows), each exactly once
  on its topic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fraud_platform.config import Profile
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.obs.closure import BundleFile
from fraud_platform.obs.cost import CostEstimate, estimate_cost, summarize_usage
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.lineage import KafkaDataset, S3Dataset, build_run_event, event_json
from fraud_platform.obs.reconcile import Reconciliation
from fraud_platform.obs.report import (
    AcceptanceStatement,
    EvidenceLink,
    OutputCounters,
    ReportData,
    render_report,
)
from fraud_platform.oracle.check import CheckReport

__all__ = ["LaneFacts", "bundle_files", "statements"]

RECONCILIATION = "reconciliation.json"
ANCHORS = "replay_anchors.json"
ORACLE_CHECK = "oracle_check.json"


@dataclass(frozen=True)
class LaneFacts:
    """What the lane learned on its way to the bundle."""

    profile: Profile
    platform_run_id: str
    scenario_run_id: str
    check: CheckReport
    reconciliation: Reconciliation
    processes: Mapping[str, Any]
    telemetry: Mapping[str, Any]
    pins: Mapping[str, Any]
    started_at: datetime
    finished_at: datetime


def statements(
    evidence: RunEvidence, check_ok: bool, gates: int, views: int, recon_ok: bool
) -> tuple[AcceptanceStatement, ...]:
    """The four acceptance statements as this lane proves them (module docstring)."""
    check_ref = evidence.prefix.child(ORACLE_CHECK).uri
    return (
        AcceptanceStatement(
            key="landed_truth_continuity",
            holds=check_ok,
            summary="Oracle consumer check of the pointer's pack (landing manifest and seal read back)",
            evidence_ref=check_ref,
        ),
        AcceptanceStatement(
            key="stream_view_closure",
            holds=check_ok and views > 0,
            summary=f"{views} stream view(s) named by committed closure receipt and manifest sha256",
            evidence_ref=check_ref,
        ),
        AcceptanceStatement(
            key="gates_passing",
            holds=check_ok and gates > 0,
            summary=f"{gates} gate receipt(s) verified by hash in the pack check",
            evidence_ref=check_ref,
        ),
        AcceptanceStatement(
            key="downstream_parity",
            holds=recon_ok,
            summary="admitted = min(cap, view rows) per output, each event exactly once on its topic",
            evidence_ref=evidence.prefix.child(RECONCILIATION).uri,
        ),
    )


def _cost(facts: LaneFacts) -> CostEstimate:
    stored = sum(view.bytes for view in facts.check.stream_views.values())
    return estimate_cost(summarize_usage(facts.telemetry, stored_bytes=stored), facts.profile.pricing)


def _lineage(facts: LaneFacts) -> bytes:
    bucket = facts.profile.object_store.object_store_bucket
    pack = S3Dataset(bucket, facts.check.root.removeprefix(f"s3://{bucket}/"))
    receipts = S3Dataset(bucket, f"fraud-platform/{facts.platform_run_id}/ig/receipts/")
    bootstrap = facts.profile.bus.bootstrap
    topics = [KafkaDataset(bootstrap, row.topic) for row in facts.reconciliation.outputs]
    control = KafkaDataset(bootstrap, "fp.bus.control.v1")
    jobs: list[tuple[str, list[S3Dataset | KafkaDataset], list[S3Dataset | KafkaDataset]]] = [
        ("sr", [pack], [control]),
        ("wsp", [control, pack], []),
        ("ig", [], [*topics, receipts]),
        ("reconcile", [*topics, receipts], []),
    ]
    events = []
    for job, inputs, outputs in jobs:
        for state, moment in (("START", facts.started_at), ("COMPLETE", facts.finished_at)):
            event = build_run_event(
                platform_run_id=facts.platform_run_id,
                profile=facts.profile.profile,
                job=job,
                state=state,  # type: ignore[arg-type]
                event_time=moment,
                inputs=inputs,
                outputs=outputs,
            )
            events.append(parse_json_bytes(event_json(event).encode("utf-8")))
    return canonical_file_bytes({"events": events})


def _report(facts: LaneFacts, evidence: RunEvidence, cost: CostEstimate, names: Sequence[str]) -> bytes:
    recon = facts.reconciliation
    said = statements(
        evidence, facts.check.ok, len(facts.check.gate_receipts), len(facts.check.stream_views), recon.ok
    )
    verdict = "PASS" if recon.ok and all(s.holds for s in said) else "FAIL"
    data = ReportData(
        platform_run_id=facts.platform_run_id,
        profile=facts.profile.profile,
        rehearsal=facts.profile.rehearsal,
        generated_at=facts.finished_at,
        pins={str(key): str(value) for key, value in facts.pins.items()},
        verdict=verdict,
        statements=said,
        counters=tuple(
            OutputCounters(
                output_id=row.output_id,
                view_rows=row.view_rows,
                sent=row.sent,
                admitted=row.admitted,
                duplicate=row.duplicate,
                quarantined=row.quarantined,
                on_topic=row.on_topic,
            )
            for row in recon.outputs
        ),
        admissions=(),
        cost=cost,
        evidence=tuple(EvidenceLink(name=name, uri=evidence.prefix.child(name).uri) for name in names),
    )
    return render_report(data).encode("utf-8")


def bundle_files(facts: LaneFacts, evidence: RunEvidence) -> list[BundleFile]:
    """Every file of the bundle but the commit (deterministic ones flagged), report page last."""
    cost = _cost(facts)
    recon = facts.reconciliation
    files = [
        BundleFile(RECONCILIATION, canonical_file_bytes(recon.to_json()), deterministic=True),
        BundleFile(
            ANCHORS,
            canonical_file_bytes({"platform_run_id": facts.platform_run_id, "anchors": recon.anchors}),
            deterministic=True,
        ),
        BundleFile(ORACLE_CHECK, canonical_file_bytes(facts.check.to_json()), deterministic=True),
        BundleFile("processes.json", canonical_file_bytes(dict(facts.processes))),
        BundleFile(
            "lane_telemetry.json",
            canonical_file_bytes({"snapshot": dict(facts.telemetry), "cost": cost.model_dump(mode="json")}),
        ),
        BundleFile("lineage.json", _lineage(facts)),
    ]
    names = [item.name for item in files]
    files.append(BundleFile("report.html", _report(facts, evidence, cost, names), content_type="text/html"))
    return files
