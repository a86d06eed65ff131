"""The lane's closure-bundle files: reconciliation, anchors, pack check, statements, lineage, report.

Everything here is built from records already read (the reconciliation, the pack check, the
statement evidence `proof.gather_proof` read, the supervisor's events, this process's telemetry);
nothing is taken from a child's stdout. Each of the four acceptance statements has its own evidence
file (`judge.STATEMENT_FILES`) and holds only when `judge` finds no problem in it: landed truth
continuity (landing root digest, seal, `fp oracle verify`'s result), stream-view closure (every
streamed view's receipt facts), gates passing (every gate receipt by hash), downstream parity
(admitted = min(cap, view rows), sampled event ids recomputed from the views and found admitted,
and the reconciliation passed).

Lineage covers the whole lane: land, seal and sort from the pack's own records (the landing
manifest, the seal, the views' closure receipts, by S3 URI), then sr, wsp, ig and reconcile. The
pack records one wall-clock time, the seal's `sealed_at_utc`: land and seal are stamped with it
(landing finished before it), sort runs from it to the lane's start (the views were committed before
the lane checked them); these are bounds the records prove, not measured durations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fraud_platform.config import Profile
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.time import parse_utc
from fraud_platform.obs.closure import CLOSURE_COMMIT, BundleFile
from fraud_platform.obs.cost import CostEstimate, estimate_cost, summarize_usage
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.lineage import KafkaDataset, S3Dataset, build_run_event, event_json
from fraud_platform.obs.reconcile import Reconciliation
from fraud_platform.obs.report import (
    AcceptanceStatement,
    AdmissionSeries,
    EvidenceLink,
    OutputCounters,
    ReportData,
    render_report,
)
from fraud_platform.operate.lane.judge import (
    DOWNSTREAM_PARITY,
    GATES_PASSING,
    LANDED_TRUTH,
    STATEMENT_FILES,
    STREAM_CLOSURE,
)
from fraud_platform.operate.lane.proof import LaneProof
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
    proof: LaneProof
    processes: Mapping[str, Any]
    telemetry: Mapping[str, Any]
    pins: Mapping[str, Any]
    started_at: datetime
    finished_at: datetime


_SUMMARIES = {
    LANDED_TRUTH: "landing root digest bound by the seal; fp oracle verify re-hashed every landed byte",
    STREAM_CLOSURE: "closure receipt facts of every streamed view (raw = sorted multiset, ordered digest, keys in order)",
    GATES_PASSING: "every gate receipt the outputs need, by sha256, PASS",
    DOWNSTREAM_PARITY: "admitted = min(cap, view rows), each once on its topic; sampled event ids recomputed from the views found admitted",
}


def statements(evidence: RunEvidence, proof: LaneProof, recon_ok: bool) -> tuple[AcceptanceStatement, ...]:
    """The four acceptance statements, each judged on its evidence file (module docstring)."""
    said = []
    for key, name in STATEMENT_FILES.items():
        holds = proof.holds(key) and (recon_ok or key != DOWNSTREAM_PARITY)
        problems = proof.problems(key)
        summary = _SUMMARIES[key] if not problems else f"{_SUMMARIES[key]}; problem: {problems[0]}"
        said.append(
            AcceptanceStatement(
                key=key,
                holds=holds,
                summary=summary,
                evidence_ref=evidence.prefix.child(name).uri,
            )
        )
    return tuple(said)


def _cost(facts: LaneFacts) -> CostEstimate:
    stored = sum(view.bytes for view in facts.check.stream_views.values())
    return estimate_cost(summarize_usage(facts.telemetry, stored_bytes=stored), facts.profile.pricing)


_Jobs = list[tuple[str, datetime, datetime, list[S3Dataset | KafkaDataset], list[S3Dataset | KafkaDataset]]]


def _s3(uri: str) -> S3Dataset:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return S3Dataset(bucket, key)


def _pack_jobs(facts: LaneFacts) -> _Jobs:
    """land, seal and sort from the pack's own records (module docstring: their times are bounds)."""
    landed = facts.proof.documents[LANDED_TRUTH]
    views = facts.proof.documents[STREAM_CLOSURE]["views"]
    sealed_at = parse_utc(landed["seal"]["sealed_at_utc"])
    pack, landing, seal = (
        _s3(facts.check.root),
        _s3(landed["landing_manifest"]["uri"]),
        _s3(landed["seal"]["uri"]),
    )
    view_dirs: list[S3Dataset | KafkaDataset] = [
        _s3(view["receipt_uri"].rsplit("/", 1)[0] + "/") for _, view in sorted(views.items())
    ]
    return [
        ("land", sealed_at, sealed_at, [], [pack, landing]),
        ("seal", sealed_at, sealed_at, [landing], [seal]),
        ("sort", sealed_at, facts.started_at, [pack, seal], view_dirs),
    ]


def _lineage(facts: LaneFacts) -> bytes:
    bucket = facts.profile.object_store.object_store_bucket
    pack = S3Dataset(bucket, facts.check.root.removeprefix(f"s3://{bucket}/"))
    receipts = S3Dataset(bucket, f"fraud-platform/{facts.platform_run_id}/ig/receipts/")
    bootstrap = facts.profile.bus.bootstrap
    topics = [KafkaDataset(bootstrap, row.topic) for row in facts.reconciliation.outputs]
    control = KafkaDataset(bootstrap, "fp.bus.control.v1")
    start, end = facts.started_at, facts.finished_at
    jobs: _Jobs = [
        *_pack_jobs(facts),
        ("sr", start, end, [pack], [control]),
        ("wsp", start, end, [control, pack], []),
        ("ig", start, end, [], [*topics, receipts]),
        ("reconcile", start, end, [*topics, receipts], []),
    ]
    events = []
    for job, started, finished, inputs, outputs in jobs:
        for state, moment in (("START", started), ("COMPLETE", finished)):
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


def _links(facts: LaneFacts, evidence: RunEvidence, names: Sequence[str]) -> tuple[EvidenceLink, ...]:
    """Every object of the bundle (the commit and run.json too) and the pack records the statements cite."""
    bundle = ["run.json", *names, "report.html", CLOSURE_COMMIT]
    links = [EvidenceLink(name=name, uri=evidence.prefix.child(name).uri) for name in bundle]
    landed = facts.proof.documents[LANDED_TRUTH]
    links += [
        EvidenceLink(name="pack: landing manifest", uri=landed["landing_manifest"]["uri"]),
        EvidenceLink(name="pack: seal", uri=landed["seal"]["uri"]),
    ]
    for output_id, view in sorted(facts.proof.documents[STREAM_CLOSURE]["views"].items()):
        links.append(EvidenceLink(name=f"pack: closure receipt of {output_id}", uri=view["receipt_uri"]))
    links.append(
        EvidenceLink(name="IG receipts", uri=facts.proof.documents[DOWNSTREAM_PARITY]["admitted_from"])
    )
    return tuple(links)


def _report(facts: LaneFacts, evidence: RunEvidence, cost: CostEstimate, names: Sequence[str]) -> bytes:
    recon = facts.reconciliation
    said = statements(evidence, facts.proof, recon.ok)
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
        admissions=tuple(
            AdmissionSeries(
                output_id=output_id,
                admitted_at=tuple(sorted(times)),
                latencies_ms=tuple(sorted(facts.proof.admission_ms.get(output_id, ()))),
            )
            for output_id, times in sorted(facts.proof.admitted_at.items())
            if output_id in {row.output_id for row in recon.outputs}
        ),
        cost=cost,
        evidence=_links(facts, evidence, names),
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
        *(
            BundleFile(name, facts.proof.file_bytes(key), deterministic=True)
            for key, name in STATEMENT_FILES.items()
        ),
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
