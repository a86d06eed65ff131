"""The closure bundle on the real object store: commit last, crash before it, rerun, tamper, verify."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import CLOSURE_CONFLICT, CLOSURE_DIGEST_MISMATCH, CLOSURE_UNCOMMITTED
from fraud_platform.obs.closure import CLOSURE_COMMIT, BundleFile, verify_closure, write_closure
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.substrate import factory
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(local_substrates: LocalSubstrates) -> ObjectStore:
    return factory.open_object_store(local_substrates.operator)


@pytest.fixture
def evidence(local_substrates: LocalSubstrates, store: ObjectStore) -> Iterator[RunEvidence]:
    bucket = f"closure-{uuid.uuid4().hex[:10]}"
    factory.open_s3_admin(local_substrates.operator).create_bucket_if_absent(bucket)
    run = RunEvidence(bucket, "platform_20010101T000000Z")
    store.put_if_absent(run.run_manifest, b'{"run": 1}')
    yield run


class _CrashAtCommit:
    """The real store, except that writing the commit object dies (a crash just before it)."""

    def __init__(self, inner: ObjectStore) -> None:
        self._inner = inner

    def put_if_absent(self, location: S3Location, data: bytes, **kwargs: Any) -> Any:
        if location.key.endswith(CLOSURE_COMMIT):
            raise KeyboardInterrupt("crash before run_completed.json")
        return self._inner.put_if_absent(location, data, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _files(report: bytes, reconciliation: bytes = b'{"verdict":"PASS"}') -> list[BundleFile]:
    return [
        BundleFile("reconciliation.json", reconciliation, deterministic=True),
        BundleFile("report.html", report, content_type="text/html"),
    ]


def test_commit_binds_every_file_and_verifies(store: ObjectStore, evidence: RunEvidence) -> None:
    commit = write_closure(store, evidence, _files(b"<p>1</p>"), bind_existing=["run.json"], summary={"v": 1})
    assert commit.created and sorted(commit.document["files"]) == [
        "reconciliation.json",
        "report.html",
        "run.json",
    ]
    again, verified = verify_closure(store, evidence)
    assert again.document == commit.document and verified["report.html"] == b"<p>1</p>"


def test_a_crash_before_the_commit_leaves_the_run_uncommitted_and_a_rerun_converges(
    store: ObjectStore, evidence: RunEvidence
) -> None:
    with pytest.raises(KeyboardInterrupt):
        write_closure(_CrashAtCommit(store), evidence, _files(b"<p>first</p>"), bind_existing=[], summary={})  # type: ignore[arg-type]
    with pytest.raises(FailClosed) as uncommitted:
        verify_closure(store, evidence)
    assert uncommitted.value.code == CLOSURE_UNCOMMITTED
    commit = write_closure(store, evidence, _files(b"<p>second</p>"), bind_existing=[], summary={})
    _, verified = verify_closure(store, evidence)
    assert verified["report.html"] == b"<p>first</p>"  # the stored bytes are what the commit binds
    assert (
        write_closure(store, evidence, _files(b"<p>third</p>"), bind_existing=[], summary={}).created is False
    )
    assert verify_closure(store, evidence)[0].document == commit.document


def test_a_changed_deterministic_file_is_a_conflict(store: ObjectStore, evidence: RunEvidence) -> None:
    with pytest.raises(KeyboardInterrupt):
        write_closure(_CrashAtCommit(store), evidence, _files(b"r"), bind_existing=[], summary={})  # type: ignore[arg-type]
    with pytest.raises(FailClosed) as conflict:
        write_closure(store, evidence, _files(b"r", b'{"verdict":"FAIL"}'), bind_existing=[], summary={})
    assert conflict.value.code == CLOSURE_CONFLICT


def test_a_tampered_file_fails_verification(store: ObjectStore, evidence: RunEvidence) -> None:
    write_closure(store, evidence, _files(b"<p>ok</p>"), bind_existing=["run.json"], summary={})
    location = evidence.prefix.child("report.html")
    info = store.head(location)
    assert info is not None
    store.put_if_match(location, b"<p>forged</p>", info.etag)
    with pytest.raises(FailClosed) as mismatch:
        verify_closure(store, evidence)
    assert mismatch.value.code == CLOSURE_DIGEST_MISMATCH and "report.html" in mismatch.value.detail
