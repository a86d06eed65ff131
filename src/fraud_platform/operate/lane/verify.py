"""`fp run verify RUN`: re-read a run's closure bundle and check it, trusting nothing the lane said.

Every file `run_completed.json` names is read back and its SHA-256 checked; then the reconciliation
is re-judged from its counters (the arithmetic of `obs.reconcile`, recomputed here, not the stored
verdict), the acceptance statements the commit records must all hold for a PASS, and the commit's
verdict must equal the recomputed one. A rehearsal run never verifies as a `dev_min` PASS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import EVIDENCE_INVALID
from fraud_platform.obs.closure import verify_closure
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane.bundle import RECONCILIATION
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["VerifyResult", "verify_run"]


@dataclass(frozen=True)
class VerifyResult:
    """What verification found: digests checked, the recomputed verdict, and any problems."""

    platform_run_id: str
    files_checked: int
    verdict: str
    problems: tuple[str, ...]
    commit_uri: str

    @property
    def ok(self) -> bool:
        return self.verdict == "PASS" and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "platform_run_id": self.platform_run_id,
            "files_checked": self.files_checked,
            "verdict": self.verdict,
            "problems": list(self.problems),
            "evidence": self.commit_uri,
        }


def _row_problems(row: dict[str, Any], cap: int) -> list[str]:
    name = row.get("output_id")
    found: list[str] = []
    sent, received, admitted = int(row["sent"]), int(row["received"]), int(row["admitted"])
    decided = admitted + int(row["duplicate"]) + int(row["quarantined"])
    if not sent == received == decided:
        found.append(f"{name}: sent {sent}, received {received}, decided {decided}")
    if int(row["on_topic"]) != admitted or int(row["distinct_on_topic"]) != admitted:
        found.append(
            f"{name}: {row['on_topic']} on topic ({row['distinct_on_topic']} distinct), {admitted} admitted"
        )
    if int(row["quarantined"]) == 0 and admitted != min(cap, int(row["view_rows"])):
        found.append(f"{name}: admitted {admitted} != min(cap {cap}, view rows {row['view_rows']})")
    return found


def verify_run(
    store: ObjectStore, evidence_bucket: str, platform_run_id: str, *, profile: str
) -> VerifyResult:
    """Check every digest, recompute the verdict from the counters; raises only for a broken bundle."""
    evidence = RunEvidence(evidence_bucket, platform_run_id)
    commit, files = verify_closure(store, evidence)
    recon = parse_json_bytes(files.get(RECONCILIATION, b"null"))
    if not isinstance(recon, dict) or not isinstance(recon.get("outputs"), list):
        raise FailClosed(EVIDENCE_INVALID, f"{RECONCILIATION} is missing from the bundle or malformed")
    cap = int(recon["cap"])
    problems = [problem for row in recon["outputs"] for problem in _row_problems(row, cap)]
    if not recon["outputs"]:
        problems.append("the reconciliation names no output")
    summary = commit.document.get("summary", {})
    problems += [
        f"statement {key} does not hold" for key, holds in summary.get("statements", {}).items() if not holds
    ]
    run = parse_json_bytes(files.get("run.json", b"{}"))
    if profile == "dev_min" and isinstance(run, dict) and run.get("rehearsal"):
        problems.append("a rehearsal run never verifies as a dev_min PASS")
    recomputed = "FAIL" if problems else "PASS"
    if summary.get("verdict") != recomputed:
        problems.append(f"the commit says {summary.get('verdict')}, the counters say {recomputed}")
    verdict = "FAIL" if problems else "PASS"
    return VerifyResult(platform_run_id, len(files), verdict, tuple(problems), commit.uri)
