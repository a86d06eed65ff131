"""`verify_run` re-judges the stored counters and statements: a commit's PASS is never taken on trust.

These bundles hold counters only (no statement evidence), so the statements fail as unproven; the
full lane test (test_operate_lane_run.py) verifies a real bundle whose statements hold.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from fraud_platform.core.canonical import canonical_file_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import CLOSURE_DIGEST_MISMATCH, CLOSURE_UNCOMMITTED
from fraud_platform.obs.closure import BundleFile, write_closure
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane import VerifyResult, verify_run
from fraud_platform.operate.lane.judge import STATEMENT_FILES
from fraud_platform.operate.lane.report_file import fetch_report
from fraud_platform.substrate import factory
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore

pytestmark = pytest.mark.integration

_RUN = "platform_20261203T080000Z"
_ROW = {
    "output_id": "s2_event_stream_baseline_6B",
    "view_rows": 50,
    "sent": 20,
    "received": 20,
    "admitted": 20,
    "duplicate": 0,
    "quarantined": 0,
    "on_topic": 20,
    "distinct_on_topic": 20,
}


@pytest.fixture
def site(local_substrates: LocalSubstrates) -> tuple[ObjectStore, RunEvidence]:
    bucket = f"lane-verify-{uuid.uuid4().hex[:10]}"
    factory.open_s3_admin(local_substrates.operator).create_bucket_if_absent(bucket)
    store = factory.open_object_store(local_substrates.operator)
    evidence = RunEvidence(bucket, _RUN)
    store.put_if_absent(evidence.run_manifest, canonical_file_bytes({"rehearsal": False}))
    return store, evidence


def _verify(store: ObjectStore, evidence: RunEvidence, profile: str = "local_parity") -> VerifyResult:
    return verify_run(store, evidence.bucket, _RUN, profile=profile, object_bucket=evidence.bucket)


def _counter_problems(result: VerifyResult) -> list[str]:
    return [p for p in result.problems if not p.startswith("statement ") and not p.startswith("the commit")]


def _commit(store: ObjectStore, evidence: RunEvidence, row: dict[str, Any], verdict: str) -> None:
    recon = canonical_file_bytes({"cap": 20, "outputs": [row]})
    summary = {"verdict": verdict, "statements": {"downstream_parity": True}}
    write_closure(
        store,
        evidence,
        [BundleFile("reconciliation.json", recon, deterministic=True)],
        bind_existing=["run.json"],
        summary=summary,
    )


def test_balanced_counters_without_statement_evidence_do_not_verify(
    site: tuple[ObjectStore, RunEvidence],
) -> None:
    store, evidence = site
    _commit(store, evidence, _ROW, "PASS")
    result = _verify(store, evidence)
    assert not result.ok and result.files_checked == 2
    assert _counter_problems(result) == []
    assert [s.key for s in result.statements] == list(STATEMENT_FILES)
    assert all(not s.holds and "missing from the bundle" in s.problems[0] for s in result.statements)
    assert not result.statements_hold
    assert result.problems[-1] == "the commit says PASS, the bundle says FAIL"


def test_a_pass_over_a_second_copy_on_the_topic_does_not_verify(
    site: tuple[ObjectStore, RunEvidence],
) -> None:
    store, evidence = site
    _commit(store, evidence, {**_ROW, "on_topic": 21}, "PASS")
    result = _verify(store, evidence)
    assert not result.ok and result.verdict == "FAIL"
    assert _counter_problems(result) == [
        "s2_event_stream_baseline_6B: 21 on topic (20 distinct), 20 admitted"
    ]


def test_a_rehearsal_run_never_verifies_as_a_dev_min_pass(local_substrates: LocalSubstrates) -> None:
    bucket = f"lane-verify-{uuid.uuid4().hex[:10]}"
    factory.open_s3_admin(local_substrates.operator).create_bucket_if_absent(bucket)
    store = factory.open_object_store(local_substrates.operator)
    evidence = RunEvidence(bucket, _RUN)
    store.put_if_absent(evidence.run_manifest, canonical_file_bytes({"rehearsal": True}))
    _commit(store, evidence, _ROW, "FAIL")
    problem = "a rehearsal run never verifies as a dev_min PASS"
    assert problem in _verify(store, evidence, "dev_min").problems
    assert problem not in _verify(store, evidence, "local_parity").problems


def test_an_uncommitted_run_is_refused(site: tuple[ObjectStore, RunEvidence]) -> None:
    store, evidence = site
    with pytest.raises(FailClosed) as refused:
        _verify(store, evidence)
    assert refused.value.code == CLOSURE_UNCOMMITTED


def test_the_report_is_written_only_when_its_bytes_are_the_committed_ones(
    site: tuple[ObjectStore, RunEvidence], tmp_path: Path
) -> None:
    store, evidence = site
    out = tmp_path / "reports" / f"{_RUN}.html"
    with pytest.raises(FailClosed) as uncommitted:
        fetch_report(store, evidence.bucket, _RUN, out)
    assert uncommitted.value.code == CLOSURE_UNCOMMITTED and not out.exists()
    page = b"<!DOCTYPE html><title>report</title>"
    write_closure(
        store,
        evidence,
        [BundleFile("report.html", page, content_type="text/html")],
        bind_existing=["run.json"],
        summary={"verdict": "FAIL"},
    )
    assert fetch_report(store, evidence.bucket, _RUN, out) == sha256_hex(page)
    assert out.read_bytes() == page
    location = evidence.prefix.child("report.html")
    info = store.head(location)
    assert info is not None
    store.put_if_match(location, page + b"<script>forged()</script>", info.etag)
    forged_out = tmp_path / "forged.html"
    with pytest.raises(FailClosed) as refused:
        fetch_report(store, evidence.bucket, _RUN, forged_out)
    assert refused.value.code == CLOSURE_DIGEST_MISMATCH and not forged_out.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == [f"{_RUN}.html", "reports"]  # no temp file left
