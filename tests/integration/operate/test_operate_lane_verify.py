"""`verify_run` re-judges the stored counters: a commit's PASS over unbalanced counters is a FAIL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import CLOSURE_UNCOMMITTED
from fraud_platform.obs.closure import BundleFile, write_closure
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane import verify_run
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


def test_balanced_counters_verify(site: tuple[ObjectStore, RunEvidence]) -> None:
    store, evidence = site
    _commit(store, evidence, _ROW, "PASS")
    result = verify_run(store, evidence.bucket, _RUN, profile="local_parity")
    assert result.ok and result.files_checked == 2


def test_a_pass_over_a_second_copy_on_the_topic_does_not_verify(
    site: tuple[ObjectStore, RunEvidence],
) -> None:
    store, evidence = site
    _commit(store, evidence, {**_ROW, "on_topic": 21}, "PASS")
    result = verify_run(store, evidence.bucket, _RUN, profile="local_parity")
    assert not result.ok and result.verdict == "FAIL"
    assert result.problems[-1] == "the commit says PASS, the counters say FAIL"


def test_an_uncommitted_run_is_refused(site: tuple[ObjectStore, RunEvidence]) -> None:
    store, evidence = site
    with pytest.raises(FailClosed) as refused:
        verify_run(store, evidence.bucket, _RUN, profile="local_parity")
    assert refused.value.code == CLOSURE_UNCOMMITTED
