"""`fp run shadow`: the parity proof before a pointer moves, two lane runs from two roots, compared.

The same bounded lane run (`run_lane`, same profile, same cap and outputs) runs once from the left
root and once from the right root, each its own minted platform run, each pinned to its root
(lane/pin.py) so the Oracle pointer is neither read nor moved. Once both are committed, each run's
records are read back (shadow_read.py) and compared (shadow_compare.py): admitted event ids and
payload hashes per output, the order of events per partition key, and IG's decisions.

Verdict: PASS only when both lane runs PASS and nothing differs; a difference gives SHADOW_MISMATCH,
a lane run that did not PASS gives its own code. Either way the shadow document (obs/shadow_record.py:
both run ids, both roots, the verdict, the first differences) is written once to
`evidence/shadow/{right_platform_run_id}.json`; `fp oracle pointer set --require-shadow` reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_platform.config import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.obs.shadow_record import ShadowDifference, ShadowRecord, ShadowSide, write_shadow
from fraud_platform.operate._reasons import SHADOW_MISMATCH
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.lane.pin import PackPin
from fraud_platform.operate.lane.run import LaneResult, run_lane
from fraud_platform.operate.lane.shadow_compare import compare_runs
from fraud_platform.operate.lane.shadow_read import read_run_records
from fraud_platform.oracle._reasons import POINTER_MISSING
from fraud_platform.oracle.check import PackRoot, read_pointer
from fraud_platform.substrate import telemetry

__all__ = ["DIFFERENCES_KEPT", "ShadowResult", "run_shadow"]

DIFFERENCES_KEPT = 20
"""How many differences the document and the command keep (the count of all is kept too)."""

_OK = "OK"
_METHOD = (
    "admitted events read back from the bus between each run's replay anchors; payload hash = sha256 of"
    " the canonical event payload; order = event ids per partition key in offset order; decisions ="
    " IG receipts per event id"
)


@dataclass(frozen=True)
class ShadowResult:
    """The shadow's verdict, both runs, the first differences and where the document is."""

    record: ShadowRecord
    evidence: str

    @property
    def ok(self) -> bool:
        return self.record.verdict == "PASS"

    def to_json(self) -> dict[str, Any]:
        record = self.record
        return {
            "verdict": record.verdict,
            "left_run": record.left.platform_run_id,
            "right_run": record.right.platform_run_id,
            "left_root": record.left.pack_root,
            "right_root": record.right.pack_root,
            "compared": record.compared,
            "difference_count": record.difference_count,
            "differences": [difference.model_dump(mode="json") for difference in record.differences],
            "evidence": self.evidence,
        }


def _scenario(profile: Profile, scenario_id: str | None) -> str:
    """The scenario both runs read: the one asked for, else the pointer's."""
    if scenario_id is not None:
        return scenario_id
    with OperateContext(profile) as ctx:
        found = read_pointer(ctx.store, profile.object_store.object_store_bucket, profile.profile)
    if found is None:
        raise FailClosed(
            POINTER_MISSING, f"no Oracle pointer for {profile.profile} to take the scenario from: pass one"
        )
    return found[0].scenario_id


def _prefixed(step: Callable[[str], None], side: str) -> Callable[[str], None]:
    return lambda text: step(f"{side}: {text}")


def _side(lane: LaneResult, root: PackRoot) -> ShadowSide:
    return ShadowSide(
        platform_run_id=lane.platform_run_id,
        pack_root=root.uri,
        oracle_pack_id=str(lane.summary.get("oracle_pack_id", "")),
        lane_verdict="PASS" if lane.verdict == "PASS" else "FAIL",
        evidence=lane.evidence,
    )


def run_shadow(
    profile: Profile,
    *,
    left_root: str,
    right_root: str,
    events_per_output: int,
    logs: Path,
    outputs: Sequence[str] | None = None,
    scenario_id: str | None = None,
    git_revision: str | None = None,
    clock: Clock | None = None,
    step: Callable[[str], None] = lambda _: None,
) -> ShadowResult:
    """Run the lane from both roots, compare what they admitted, write the shadow document."""
    clock = clock or SystemClock()
    scenario = _scenario(profile, scenario_id)
    roots = {"left": PackRoot.parse(left_root), "right": PackRoot.parse(right_root)}
    lanes: dict[str, LaneResult] = {}
    for side, root in roots.items():
        step(f"{side}: lane run from {root.uri}")
        telemetry.reset()  # each bundle holds its own run's usage (as the ladder does)
        lanes[side] = run_lane(
            profile,
            events_per_output=events_per_output,
            logs=logs / side,
            outputs=outputs,
            git_revision=git_revision,
            clock=clock,
            step=_prefixed(step, side),
            pack=PackPin(root, scenario),
        )
        step(f"{side}: {lanes[side].platform_run_id} {lanes[side].verdict}")
    with OperateContext(profile, clock=clock) as ctx:
        left = read_run_records(profile, ctx.store, clock, lanes["left"].platform_run_id)
        right = read_run_records(profile, ctx.store, clock, lanes["right"].platform_run_id)
        comparison = compare_runs(left.records, right.records)
        step(f"compared: {len(comparison.differences)} difference(s)")
        lanes_pass = all(lane.verdict == "PASS" for lane in lanes.values())
        failed_lane = next((lane for lane in lanes.values() if lane.verdict != "PASS"), None)
        code = _OK if comparison.identical else str(SHADOW_MISMATCH)
        if failed_lane is not None:
            code = failed_lane.code
        kept: list[ShadowDifference] = comparison.first(DIFFERENCES_KEPT)
        record = ShadowRecord(
            shadow_id=lanes["right"].platform_run_id,
            profile=profile.profile,
            rehearsal=profile.rehearsal,
            scenario_id=scenario,
            events_per_output=events_per_output,
            left=_side(lanes["left"], roots["left"]),
            right=_side(lanes["right"], roots["right"]),
            verdict="PASS" if lanes_pass and comparison.identical else "FAIL",
            code=code,
            compared=comparison.compared,
            difference_count=len(comparison.differences),
            differences=kept,
            method=_METHOD,
        )
        uri = write_shadow(ctx.store, ctx.evidence_bucket, record)
    step(f"shadow document: {uri}")
    return ShadowResult(record, uri)
