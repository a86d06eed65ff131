"""`fp run lane`: one bounded, audited run of the control-and-ingress lane, closed by its bundle.

Order (each step fails closed before the next starts): mint the run (or take `--run`), preflight,
Oracle consumer check of the pointer's pack, start IG under the supervisor (ready by `/readyz`), SR
submit (READY on the control topic), start WSP `--once` and wait for it to finish within the
profile's budget, stop the daemons (by PID, graceful then forced), reconcile from each component's
own records, write the closure bundle with `run_completed.json` last. A run whose commit already
exists is not run again: its stored commit is the answer (reruns converge).

Failure handling (docs/operate.md, "When a lane fails"): every wait is bounded by the profile's budget
(`lane.deadlines`); a lane that stops before its commit (refused pointer, IG not ready, WSP dead past
its restarts, a deadline) writes `lane_failures/{seq}.json` under the run's evidence (the code, the
step, the dead child's exit code and log tail, every process event), the supervisor stops every child
by PID, and the error propagates (exit 2). A rerun with `--run` converges: a READY WSP already
streamed (consumed set) is not streamed again (`lane.resume`). The lane's telemetry adds the
children's own parts to this process's counters (`lane.child_telemetry`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_platform.config import Profile
from fraud_platform.config.faults import LANE_PAUSE_ENV, LANE_PAUSE_POINTS, pause_hook
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.obs._reasons import RECONCILIATION_FAILED
from fraud_platform.obs.closure import read_commit, write_closure
from fraud_platform.operate._reasons import LANE_FAILED
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.lane.bundle import LaneFacts, bundle_files, statements
from fraud_platform.operate.lane.child_telemetry import lane_telemetry
from fraud_platform.operate.lane.deadlines import LaneDeadlines
from fraud_platform.operate.lane.failure import write_failure
from fraud_platform.operate.lane.pin import PackPin, no_pointer, pinned_profile
from fraud_platform.operate.lane.proof import gather_proof
from fraud_platform.operate.lane.resume import already_streamed
from fraud_platform.operate.lane.specs import child_env, ig_spec, wsp_spec
from fraud_platform.operate.lane.witnesses import gather
from fraud_platform.operate.manifest import read_run_manifest
from fraud_platform.operate.preflight import run_preflight
from fraud_platform.operate.processes import Supervisor
from fraud_platform.operate.runs import new_run
from fraud_platform.oracle._reasons import POINTER_MISSING
from fraud_platform.oracle.check import CheckReport, PackRoot, check_pack, read_pointer
from fraud_platform.sr.outcome import RunRequest
from fraud_platform.sr.runtime import SrRuntime
from fraud_platform.substrate import telemetry

__all__ = ["LaneResult", "run_lane"]

PROCESSES_FILE = "processes.json"
"""The supervisor's live record of the lane's children, rewritten in the logs folder after every event."""

Step = Callable[[str], None]


@dataclass
class _Progress:
    """Where an attempt is, for its failure document: the step it is in and the supervisor, once any."""

    stage: str = "preflight"
    supervisor: Supervisor | None = None

    def processes(self) -> dict[str, Any]:
        return self.supervisor.evidence() if self.supervisor is not None else {"processes": [], "events": []}


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


def _checked_pack(ctx: OperateContext, outputs: Sequence[str] | None, pin: PackPin | None) -> CheckReport:
    if pin is None:
        bucket = ctx.profile.object_store.object_store_bucket
        found = read_pointer(ctx.store, bucket, ctx.profile.profile)
        if found is None:
            raise FailClosed(
                POINTER_MISSING, f"no Oracle pointer for profile {ctx.profile.profile!r}: set one first"
            )
        pointer, _ = found
        pin = PackPin(PackRoot.parse(pointer.pack_root), pointer.scenario_id)
    report = check_pack(ctx.store, pin.root, pin.scenario_id, outputs)
    if not report.ok:
        raise FailClosed(
            report.code or LANE_FAILED,
            f"the pack {pin.root.uri} fails the consumer check: {report.code}",
            {"failures": [failure.to_json() for failure in report.failures]},
        )
    return report


def _submit(profile: Profile, platform_run_id: str, check: CheckReport, *, pinned: bool) -> tuple[str, str]:
    """SR's READY for the run: `(scenario_run_id, message_id)`; a rerun gets the same READY back."""
    key = f"lane|{platform_run_id}|{check.oracle_pack_id}|{check.scenario_id}"
    with SrRuntime.open(profile) as sr:
        if pinned:
            sr.runner.pointer = no_pointer  # a pinned (shadow) run names its root itself: lane/pin.py
        outcome = sr.submit(RunRequest(platform_run_id, key, outputs=check.outputs))
    if not outcome.ok or outcome.message_id is None:
        raise FailClosed(
            LANE_FAILED, f"SR did not publish READY: {outcome.state} {outcome.code} {outcome.detail}"
        )
    return outcome.scenario_run_id, outcome.message_id


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
    pack: PackPin | None = None,
) -> LaneResult:
    """Run the lane once for `platform_run_id` (minted when None); returns the committed outcome.

    `pack` runs that pack instead of the pointer's (a shadow run; see lane/pin.py).
    """
    clock = clock or SystemClock()
    if pack is not None:
        profile = pinned_profile(profile, pack)
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
        progress = _Progress()
        pause = pause_hook(profile, LANE_PAUSE_ENV, LANE_PAUSE_POINTS)
        deadlines = LaneDeadlines.from_profile(profile)
        try:
            started_at = clock.now()
            preflight = run_preflight(ctx, platform_run_id)
            if not preflight.ok:
                failed = ", ".join(f"{c.name}/{c.role}={c.code}" for c in preflight.failed)
                raise FailClosed(
                    LANE_FAILED, f"preflight failed: {failed}", {"preflight": preflight.latest_uri}
                )
            step("preflight passed")
            progress.stage = "pack check"
            check = _checked_pack(ctx, outputs, pack)
            step(f"pack {check.root} checked ({len(check.stream_views)} views)")
            logs.mkdir(parents=True, exist_ok=True)
            env = child_env(profile)
            stop_s = deadlines.stop_s
            with Supervisor(clock=clock, record_path=logs / PROCESSES_FILE) as supervisor:
                progress.stage, progress.supervisor = "IG start", supervisor
                supervisor.start(
                    [ig_spec(profile, env, logs, ready_within_s=deadlines.ig_ready_s, stop_within_s=stop_s)]
                )
                step("IG ready (/readyz)")
                progress.stage = "SR submit"
                scenario_run_id, message_id = _submit(
                    profile, platform_run_id, check, pinned=pack is not None
                )
                step(f"SR READY published (scenario run {scenario_run_id})")
                progress.stage = "WSP stream"
                if already_streamed(profile, clock, message_id):
                    step(f"WSP already streamed READY {message_id} (its consumed set): not streamed again")
                else:
                    wsp = wsp_spec(
                        profile, env, logs, platform_run_id, events_per_output, stop_within_s=stop_s
                    )
                    supervisor.start([wsp])
                    supervisor.wait_exit("wsp", deadlines.wsp_finish_s)
                    step("WSP finished the capped stream")
                progress.stage = "daemons stop"
                supervisor.stop_all()
                processes = {**supervisor.evidence(), "deadlines": deadlines.to_json()}
            step("daemons stopped; reconciling from receipts, checkpoints and the bus")
            progress.stage = "reconcile"
            view_rows = {output: view.rows for output, view in check.stream_views.items()}
            witnessed = gather(
                profile,
                ctx.store,
                clock,
                platform_run_id,
                scenario_run_id,
                events_per_output,
                view_rows,
                read_deadline_s=deadlines.bus_read_s,
            )
            recon = witnessed.reconciliation
            proof = gather_proof(
                ctx.store,
                profile.object_store.object_store_bucket,
                check,
                recon,
                platform_run_id,
                workers=profile.budgets.landing_workers,
            )
            step("statement evidence gathered (oracle verify re-hashed the pack, event ids sampled)")
            facts = LaneFacts(
                profile=profile,
                platform_run_id=platform_run_id,
                scenario_run_id=scenario_run_id,
                check=check,
                reconciliation=recon,
                proof=proof,
                processes=processes,
                telemetry=lane_telemetry(ctx.store, evidence, telemetry.snapshot()),
                pins=ctx.pins(platform_run_id),
                started_at=started_at,
                finished_at=clock.now(),
            )
            said = statements(evidence, proof, recon.ok)
            verdict = "PASS" if recon.ok and all(s.holds for s in said) else "FAIL"
            summary = {
                "verdict": verdict,
                "scenario_run_id": scenario_run_id,
                "oracle_pack_id": check.oracle_pack_id,
                "cap": events_per_output,
                "counters": {row.output_id: row.to_json() for row in recon.outputs},
                "totals": recon.totals(),
                "statements": {s.key: s.holds for s in said},
                "resent": dict(witnessed.resent),
            }
            progress.stage = "commit"
            if pause is not None and pause.point == "before_commit":
                step("paused before the commit (test hook FP_TEST_LANE_PAUSE_AT)")
                pause.wait()
            commit = write_closure(
                ctx.store,
                evidence,
                bundle_files(facts, evidence),
                bind_existing=["run.json"],
                summary=summary,
            )
            step(f"bundle committed: {commit.uri}")
            return _result(platform_run_id, commit.uri, commit.document, commit.created)
        except PlatformError as error:
            uri = write_failure(ctx.store, evidence, clock, error, progress.stage, progress.processes())
            step(f"lane failed during {progress.stage}: {error.code}; failure document {uri}")
            error.refs["failure_document"] = uri
            raise
