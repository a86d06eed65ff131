"""`fp run lane`: one bounded, audited run of the control-and-ingress lane, closed by its bundle.

Order (each step fails closed before the next starts): mint the run (or take `--run`), preflight,
Oracle consumer check of the pointer's pack, start IG under the supervisor (ready by `/readyz`), SR
submit (READY on the control topic), start WSP `--once` and wait for it to finish within the
profile's budget, stop the daemons (by PID, graceful then forced), reconcile from each component's
own records, write the closure bundle with `run_completed.json` last. A run whose commit already
exists is not run again: its stored commit is the answer (reruns converge).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_platform.config import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.obs._reasons import RECONCILIATION_FAILED
from fraud_platform.obs.closure import read_commit, write_closure
from fraud_platform.operate._reasons import LANE_FAILED
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.lane.bundle import LaneFacts, bundle_files, statements
from fraud_platform.operate.lane.specs import child_env, ig_spec, wsp_spec
from fraud_platform.operate.lane.witnesses import gather_and_reconcile
from fraud_platform.operate.manifest import read_run_manifest
from fraud_platform.operate.preflight import run_preflight
from fraud_platform.operate.processes import Supervisor
from fraud_platform.operate.runs import new_run
from fraud_platform.oracle.check import CheckReport, check_pack, read_pointer
from fraud_platform.sr.outcome import RunRequest
from fraud_platform.sr.runtime import SrRuntime
from fraud_platform.substrate import telemetry

__all__ = ["LaneResult", "run_lane"]

_WSP_DEADLINE_S = 600.0

Step = Callable[[str], None]


@dataclass(frozen=True)
class LaneResult:
    """The committed outcome of a lane run (from the stored commit object)."""

    platform_run_id: str
    verdict: str
    code: str
    evidence: str
    report: str
    summary: dict[str, Any]
    created: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "platform_run_id": self.platform_run_id,
            "verdict": self.verdict,
            "code": self.code,
            "counters": self.summary.get("counters", {}),
            "totals": self.summary.get("totals", {}),
            "evidence": self.evidence,
            "report": self.report,
            "committed_now": self.created,
        }


def _checked_pack(ctx: OperateContext, outputs: Sequence[str] | None) -> CheckReport:
    bucket = ctx.profile.object_store.object_store_bucket
    found = read_pointer(ctx.store, bucket, ctx.profile.profile)
    if found is None:
        raise FailClosed(LANE_FAILED, f"no Oracle pointer for profile {ctx.profile.profile!r}: set one first")
    pointer, _ = found
    report = check_pack(ctx.store, pointer.pack_root, pointer.scenario_id, outputs)
    if not report.ok:
        raise FailClosed(
            LANE_FAILED,
            f"the pointer's pack {pointer.pack_root} fails the consumer check: {report.code}",
            {"failures": [failure.to_json() for failure in report.failures]},
        )
    return report


def _submit(profile: Profile, platform_run_id: str, check: CheckReport) -> str:
    key = f"lane|{platform_run_id}|{check.oracle_pack_id}|{check.scenario_id}"
    with SrRuntime.open(profile) as sr:
        outcome = sr.submit(RunRequest(platform_run_id, key, outputs=check.outputs))
    if not outcome.ok or outcome.message_id is None:
        raise FailClosed(
            LANE_FAILED, f"SR did not publish READY: {outcome.state} {outcome.code} {outcome.detail}"
        )
    return outcome.scenario_run_id


def _result(platform_run_id: str, commit_uri: str, document: dict[str, Any], created: bool) -> LaneResult:
    summary = dict(document.get("summary", {}))
    files = document.get("files", {})
    report = files.get("report.html", {}).get("uri", "")
    verdict = str(summary.get("verdict", "FAIL"))
    code = "OK" if verdict == "PASS" else str(RECONCILIATION_FAILED)
    return LaneResult(platform_run_id, verdict, code, commit_uri, str(report), summary, created)


def run_lane(
    profile: Profile,
    *,
    events_per_output: int,
    logs: Path,
    outputs: Sequence[str] | None = None,
    platform_run_id: str | None = None,
    git_revision: str | None = None,
    clock: Clock | None = None,
    step: Step = lambda _: None,
) -> LaneResult:
    """Run the lane once for `platform_run_id` (minted when None); returns the committed outcome."""
    clock = clock or SystemClock()
    with OperateContext(profile, clock=clock) as ctx:
        if platform_run_id is None:
            platform_run_id = new_run(ctx, git_revision=git_revision).platform_run_id
        else:
            read_run_manifest(ctx.store, ctx.evidence_bucket, platform_run_id, profile=profile)
        step(f"run {platform_run_id}")
        evidence = ctx.run(platform_run_id)
        committed = read_commit(ctx.store, evidence)
        if committed is not None:
            return _result(platform_run_id, committed.uri, committed.document, created=False)
        started_at = clock.now()
        preflight = run_preflight(ctx, platform_run_id)
        if not preflight.ok:
            failed = ", ".join(f"{c.name}/{c.role}={c.code}" for c in preflight.failed)
            raise FailClosed(LANE_FAILED, f"preflight failed: {failed}", {"preflight": preflight.latest_uri})
        step("preflight passed")
        check = _checked_pack(ctx, outputs)
        step(f"pack {check.root} checked ({len(check.stream_views)} views)")
        logs.mkdir(parents=True, exist_ok=True)
        env = child_env(profile)
        with Supervisor(clock=clock) as supervisor:
            supervisor.start([ig_spec(profile, env, logs)])
            step("IG ready (/readyz)")
            scenario_run_id = _submit(profile, platform_run_id, check)
            step(f"SR READY published (scenario run {scenario_run_id})")
            supervisor.start([wsp_spec(profile, env, logs, platform_run_id, events_per_output)])
            supervisor.wait_exit("wsp", _WSP_DEADLINE_S)
            step("WSP finished the capped stream")
            supervisor.stop_all()
            processes = supervisor.evidence()
        step("daemons stopped; reconciling from receipts, checkpoints and the bus")
        view_rows = {output: view.rows for output, view in check.stream_views.items()}
        recon = gather_and_reconcile(
            profile, ctx.store, clock, platform_run_id, scenario_run_id, events_per_output, view_rows
        )
        facts = LaneFacts(
            profile=profile,
            platform_run_id=platform_run_id,
            scenario_run_id=scenario_run_id,
            check=check,
            reconciliation=recon,
            processes=processes,
            telemetry=telemetry.snapshot(),  # this process only: the CLI serves one run
            pins=ctx.pins(platform_run_id),
            started_at=started_at,
            finished_at=clock.now(),
        )
        said = statements(evidence, check.ok, len(check.gate_receipts), len(check.stream_views), recon.ok)
        verdict = "PASS" if recon.ok and all(s.holds for s in said) else "FAIL"
        summary = {
            "verdict": verdict,
            "scenario_run_id": scenario_run_id,
            "oracle_pack_id": check.oracle_pack_id,
            "cap": events_per_output,
            "counters": {row.output_id: row.to_json() for row in recon.outputs},
            "totals": recon.totals(),
            "statements": {s.key: s.holds for s in said},
        }
        commit = write_closure(
            ctx.store, evidence, bundle_files(facts, evidence), bind_existing=["run.json"], summary=summary
        )
        step(f"bundle committed: {commit.uri}")
        return _result(platform_run_id, commit.uri, commit.document, commit.created)
