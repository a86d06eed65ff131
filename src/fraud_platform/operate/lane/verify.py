"""`fp run verify RUN`: re-read a run's closure bundle and check it, trusting nothing the lane said.

Every file `run_completed.json` names is read back and its SHA-256 checked; then the reconciliation
is re-judged from its counters (the arithmetic of `obs.reconcile`, recomputed here, not the stored
verdict), and each of the four acceptance statements is re-checked twice: its evidence file is
judged by the same rule the lane used (`judge`), and what the file names is read again from the
stores (`recheck`: the landing manifest and seal by SHA-256, the closure receipts, the Oracle
consumer check run again for the gates, sampled event ids recomputed from the views and looked up
in IG's receipts). The commit's verdict and statements must equal the recomputed ones. A rehearsal
run never verifies as a `dev_min` PASS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import EVIDENCE_INVALID
from fraud_platform.obs.closure import verify_closure
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane.bundle import ORACLE_CHECK, RECONCILIATION
from fraud_platform.operate.lane.judge import JUDGES, STATEMENT_FILES, STREAM_CLOSURE
from fraud_platform.operate.lane.recheck import Recheck
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["StatementCheck", "VerifyResult", "verify_run"]


@dataclass(frozen=True)
class StatementCheck:
    """One acceptance statement as verification found it, with its evidence object."""

    key: str
    holds: bool
    evidence: str
    problems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "statement": self.key,
            "holds": self.holds,
            "evidence": self.evidence,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class VerifyResult:
    """What verification found: digests checked, each statement, the recomputed verdict, problems."""

    platform_run_id: str
    files_checked: int
    verdict: str
    problems: tuple[str, ...]
    commit_uri: str
    statements: tuple[StatementCheck, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict == "PASS" and not self.problems

    @property
    def statements_hold(self) -> bool:
        return bool(self.statements) and all(s.holds for s in self.statements)

    def to_json(self) -> dict[str, Any]:
        return {
            "platform_run_id": self.platform_run_id,
            "files_checked": self.files_checked,
            "verdict": self.verdict,
            "problems": list(self.problems),
            "statements": {s.key: s.holds for s in self.statements},
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


def _document(files: Mapping[str, bytes], name: str) -> dict[str, Any] | None:
    if name not in files:
        return None
    found = parse_json_bytes(files[name])
    return found if isinstance(found, dict) else None


def _statement(
    key: str, evidence: RunEvidence, files: Mapping[str, bytes], recheck: Recheck | None
) -> StatementCheck:
    name = STATEMENT_FILES[key]
    uri = evidence.prefix.child(name).uri
    doc, closure = _document(files, name), _document(files, STATEMENT_FILES[STREAM_CLOSURE])
    if doc is None:
        return StatementCheck(key, False, uri, (f"{name} is missing from the bundle or not an object",))
    try:
        problems = JUDGES[key](doc)
    except (KeyError, TypeError, ValueError) as error:  # a malformed statement file proves nothing
        problems = [f"{name} is malformed: {type(error).__name__}: {error}"]
    if recheck is None:
        problems.append(f"{STATEMENT_FILES[STREAM_CLOSURE]} or {ORACLE_CHECK} is missing: nothing to re-read")
    elif not problems:
        problems = recheck.problems(key, doc, closure or {})
    return StatementCheck(key, not problems, uri, tuple(problems))


def verify_run(
    store: ObjectStore,
    evidence_bucket: str,
    platform_run_id: str,
    *,
    profile: str,
    object_bucket: str,
) -> VerifyResult:
    """Check every digest, the counters and the four statements; raises only for a broken bundle.

    `store` must read the evidence bucket and the object store (`object_bucket`: the pack and IG's
    receipts), e.g. under the `reporter` role.
    """
    evidence = RunEvidence(evidence_bucket, platform_run_id)
    commit, files = verify_closure(store, evidence)
    recon = parse_json_bytes(files.get(RECONCILIATION, b"null"))
    if not isinstance(recon, dict) or not isinstance(recon.get("outputs"), list):
        raise FailClosed(EVIDENCE_INVALID, f"{RECONCILIATION} is missing from the bundle or malformed")
    cap = int(recon["cap"])
    problems = [problem for row in recon["outputs"] for problem in _row_problems(row, cap)]
    if not recon["outputs"]:
        problems.append("the reconciliation names no output")
    pack = _document(files, ORACLE_CHECK)
    closure = _document(files, STATEMENT_FILES[STREAM_CLOSURE])
    recheck = Recheck(store, object_bucket, platform_run_id, pack) if pack and closure else None
    checked = tuple(_statement(key, evidence, files, recheck) for key in STATEMENT_FILES)
    problems += [f"statement {s.key}: {problem}" for s in checked for problem in s.problems]
    summary = commit.document.get("summary", {})
    said = summary.get("statements", {})
    if said != {s.key: s.holds for s in checked} and not problems:
        problems.append(f"the commit's statements {said} are not the ones re-checked")
    run = parse_json_bytes(files.get("run.json", b"{}"))
    if profile == "dev_min" and isinstance(run, dict) and run.get("rehearsal"):
        problems.append("a rehearsal run never verifies as a dev_min PASS")
    recomputed = "FAIL" if problems else "PASS"
    if summary.get("verdict") != recomputed:
        problems.append(f"the commit says {summary.get('verdict')}, the bundle says {recomputed}")
    verdict = "FAIL" if problems else "PASS"
    return VerifyResult(platform_run_id, len(files), verdict, tuple(problems), commit.uri, checked)
