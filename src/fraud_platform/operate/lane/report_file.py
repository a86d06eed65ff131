"""`fp run report RUN`: the run's report page, fetched from its bundle and proven by its SHA-256.

Why check the digest: the page is what a person will trust at a glance, so it is written to disk only
when its bytes are the ones `run_completed.json` committed (CLOSURE_DIGEST_MISMATCH otherwise; an
uncommitted run is CLOSURE_UNCOMMITTED). Only the evidence bucket is read, so the `auditor` role
suffices. The local copy is written through a temporary file and renamed, so a reader never sees
half a page.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fraud_platform.core.canonical import sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import CLOSURE_DIGEST_MISMATCH, CLOSURE_UNCOMMITTED
from fraud_platform.obs.closure import read_commit
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["REPORT_FILE", "fetch_report"]

REPORT_FILE = "report.html"


def fetch_report(store: ObjectStore, evidence_bucket: str, platform_run_id: str, out: Path) -> str:
    """Write the committed report page of the run to `out`; returns its SHA-256."""
    evidence = RunEvidence(evidence_bucket, platform_run_id)
    commit = read_commit(store, evidence)
    if commit is None:
        raise FailClosed(
            CLOSURE_UNCOMMITTED, f"{platform_run_id} has no run_completed.json: no committed report"
        )
    entry = commit.document.get("files", {}).get(REPORT_FILE)
    location = evidence.prefix.child(REPORT_FILE)
    if not isinstance(entry, dict):
        raise FailClosed(CLOSURE_DIGEST_MISMATCH, f"{commit.uri} names no {REPORT_FILE}")
    data = store.get(location)
    if sha256_hex(data) != entry.get("sha256"):
        raise FailClosed(
            CLOSURE_DIGEST_MISMATCH,
            f"{location.uri} is not the page run_completed.json committed",
            {"uri": location.uri, "expected_sha256": entry.get("sha256")},
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".report-", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
        os.replace(temporary, out)
    finally:
        Path(temporary).unlink(missing_ok=True)  # gone after the rename; left only by a failed write
    return str(entry["sha256"])
