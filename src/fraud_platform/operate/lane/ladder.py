"""`fp run ladder`: the validation ladder, a lane run per rung, refused before a rung that would overspend.

Why: a bigger run is only worth paying for once the smaller one passed and proved what it costs. So
the rungs (events per output, e.g. 20 then 200) run in order, each a full lane run with its own
platform_run_id, and the ladder stops at the first rung that does not PASS.

Budget rule (docs/operate.md, "The validation ladder"): before rung k+1 starts, rung k's cost estimate
(the `cost` the lane wrote into its bundle's `lane_telemetry.json`, read back by the SHA-256 its
commit names) is projected to rung k+1 by scaling every usage quantity by the ratio of events per
output, `next / previous`, rounding counts up, and re-priced with the profile's table; the projection
must pass :func:`fraud_platform.obs.cost.check_budget` against `pricing.rung_cap_usd`, else the rung is
recorded as REFUSED with BUDGET_EXCEEDED (or PRICE_TABLE_INCOMPLETE) and never minted. Scaling every
line (stored bytes included, which do not grow with events) and using the cap rather than the events a
short view really sends makes the projection an upper bound: the ladder errs towards refusing.

The first rung has no rung before it to project from, so it is checked against a floor instead
(:func:`first_rung_floor`): the S3 writes every lane run makes whatever its cap (run.json, a preflight
attempt and its latest copy, the bundle's files and its commit), priced with the same table. It is a
lower bound (it errs towards running: a rung that cannot even pay for its own evidence is refused, a
rung that might fit is tried), because nothing about the pack's event sizes is known before a run.
A first rung refused this way mints nothing; the ladder's id then comes from the clock and a random
suffix instead of a run id.

The counters the lane records are this process's (`substrate.telemetry`); the ladder zeroes them before
each rung so each bundle holds that rung's own usage, not the sum of the rungs before it.

Summary: one write-once document `evidence/ladders/{ladder_id}.json` in the evidence bucket, with
`ladder_id = "ladder_" + the first rung's platform_run_id` (unique because that id is claimed by a
write-once run.json), listing each rung's run id, verdict, code, cost and evidence URI. It sits
outside every run's prefix, so no run's committed bundle gains a file after its commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fraud_platform.config import Profile
from fraud_platform.config.schema import PricingSection
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.obs._reasons import EVIDENCE_INVALID, TELEMETRY_INVALID
from fraud_platform.obs.closure import read_commit
from fraud_platform.obs.cost import CostEstimate, UsageSummary, check_budget, estimate_cost
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.lane.run import run_lane
from fraud_platform.operate.runs import new_run
from fraud_platform.substrate import telemetry
from fraud_platform.substrate.objectstore.port import PutOutcome, S3Location

__all__ = [
    "LADDERS_PREFIX",
    "Climb",
    "LadderResult",
    "RungOutcome",
    "RungRecord",
    "RungRunner",
    "climb",
    "first_rung_floor",
    "project_cost",
    "run_ladder",
]

LADDERS_PREFIX = "evidence/ladders/"
_SCHEMA = "fp.operate.ladder.v1"
_TELEMETRY_FILE = "lane_telemetry.json"
_OK = "OK"
_FLOOR_S3_WRITES = 12
"""run.json, preflight attempt + preflight.json, at least eight bundle files, run_completed.json."""


@dataclass(frozen=True)
class RungOutcome:
    """What one rung's lane run ended with; `cost` is None when it failed before its bundle."""

    platform_run_id: str
    verdict: str
    code: str
    evidence: str
    cost: CostEstimate | None
    detail: str = ""


RungRunner = Callable[[int], RungOutcome]
"""Runs one rung at the given events per output (a full lane run) and returns its outcome."""


@dataclass(frozen=True)
class RungRecord:
    """One line of the ladder's summary: a rung that ran (PASS/FAIL) or was refused (REFUSED)."""

    rung: int
    events_per_output: int
    status: str
    code: str
    platform_run_id: str | None = None
    evidence: str | None = None
    cost_usd: Decimal | None = None
    projected_usd: Decimal | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rung": self.rung,
            "events_per_output": self.events_per_output,
            "status": self.status,
            "code": self.code,
            "platform_run_id": self.platform_run_id,
            "evidence": self.evidence,
            "cost_usd": None if self.cost_usd is None else format(self.cost_usd, "f"),
            "projected_usd": None if self.projected_usd is None else format(self.projected_usd, "f"),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Climb:
    """The rungs as they went, and the code the ladder stopped with (`OK` when every rung passed)."""

    rungs: tuple[RungRecord, ...]
    code: str

    @property
    def ok(self) -> bool:
        return self.code == _OK


def _scaled(count: int, numerator: int, denominator: int) -> int:
    return -(-count * numerator // denominator)


def project_cost(
    previous: CostEstimate, previous_events: int, next_events: int, prices: PricingSection
) -> CostEstimate:
    """The next rung's estimate: every usage quantity times `next_events / previous_events`, counts
    rounded up, re-priced with `prices` (an unpriced line with usage stays unpriced)."""
    if previous_events <= 0 or next_events <= 0:
        raise ValueError("events per output must be positive")
    usage = previous.usage
    ratio = Decimal(next_events) / Decimal(previous_events)

    def scale(count: int) -> int:
        return _scaled(count, next_events, previous_events)

    projected = UsageSummary(
        s3_write_requests=scale(usage.s3_write_requests),
        s3_read_requests=scale(usage.s3_read_requests),
        s3_free_requests=scale(usage.s3_free_requests),
        s3_stored_bytes=scale(usage.s3_stored_bytes),
        s3_transfer_out_bytes=scale(usage.s3_transfer_out_bytes),
        kafka_bytes_produced=scale(usage.kafka_bytes_produced),
        kafka_bytes_consumed=scale(usage.kafka_bytes_consumed),
        kafka_partition_hours=usage.kafka_partition_hours * ratio,
        kafka_cluster_hours=usage.kafka_cluster_hours * ratio,
    )
    return estimate_cost(projected, prices)


def first_rung_floor(prices: PricingSection) -> CostEstimate:
    """The least any lane run costs under `prices`: its own evidence writes (module docstring)."""
    usage = UsageSummary(
        s3_write_requests=_FLOOR_S3_WRITES,
        s3_read_requests=0,
        s3_free_requests=0,
        s3_stored_bytes=0,
        s3_transfer_out_bytes=0,
        kafka_bytes_produced=0,
        kafka_bytes_consumed=0,
        kafka_partition_hours=Decimal(0),
        kafka_cluster_hours=Decimal(0),
    )
    return estimate_cost(usage, prices)


def climb(rungs: Sequence[int], run_rung: RungRunner, prices: PricingSection, cap: Decimal) -> Climb:
    """Run `rungs` in order through `run_rung`; stop at the first rung that does not PASS, or refuse
    the next rung before it starts when its projected cost fails the budget check (module docstring)."""
    if not rungs or any(events <= 0 for events in rungs):
        raise ValueError("a ladder needs at least one rung, each a positive events-per-output cap")
    records: list[RungRecord] = []
    previous: tuple[int, CostEstimate | None] | None = None
    for index, events in enumerate(rungs, start=1):
        projected: CostEstimate | None = None
        try:
            if previous is None:
                projected = first_rung_floor(prices)
            else:
                previous_events, previous_cost = previous
                if previous_cost is None:
                    raise FailClosed(TELEMETRY_INVALID, f"rung {index - 1} left no cost estimate to project")
                projected = project_cost(previous_cost, previous_events, events, prices)
            check_budget(projected, cap)
        except FailClosed as refusal:
            total = None if projected is None else projected.total
            records.append(
                RungRecord(index, events, "REFUSED", refusal.code, projected_usd=total, detail=refusal.detail)
            )
            return Climb(tuple(records), refusal.code)
        outcome = run_rung(events)
        records.append(
            RungRecord(
                index,
                events,
                outcome.verdict,
                outcome.code,
                platform_run_id=outcome.platform_run_id,
                evidence=outcome.evidence,
                cost_usd=None if outcome.cost is None else outcome.cost.total,
                projected_usd=None if projected is None else projected.total,
                detail=outcome.detail,
            )
        )
        if outcome.verdict != "PASS":
            return Climb(tuple(records), outcome.code)
        previous = (events, outcome.cost)
    return Climb(tuple(records), _OK)


def _bundle_cost(ctx: OperateContext, platform_run_id: str) -> CostEstimate:
    """The cost the lane wrote into its bundle, read by the SHA-256 its commit names."""
    store = ctx.store
    committed = read_commit(store, ctx.run(platform_run_id))
    entry = None if committed is None else committed.document.get("files", {}).get(_TELEMETRY_FILE)
    if not isinstance(entry, dict):
        raise FailClosed(EVIDENCE_INVALID, f"the bundle of {platform_run_id} names no {_TELEMETRY_FILE}")
    data = store.get(S3Location.parse(str(entry.get("uri"))))
    if sha256_hex(data) != entry.get("sha256"):
        raise FailClosed(EVIDENCE_INVALID, f"{entry.get('uri')} differs from the sha256 its commit names")
    document = parse_json_bytes(data)
    if not isinstance(document, dict) or not isinstance(document.get("cost"), dict):
        raise FailClosed(EVIDENCE_INVALID, f"{entry.get('uri')} holds no cost estimate")
    return CostEstimate.model_validate(document["cost"])


@dataclass(frozen=True)
class LadderResult:
    """The ladder's outcome and where its summary document is."""

    ladder_id: str
    summary_uri: str
    climb: Climb

    def to_json(self) -> dict[str, Any]:
        return {
            "ladder_id": self.ladder_id,
            "summary": self.summary_uri,
            "rungs": [record.to_json() for record in self.climb.rungs],
        }


def _unminted_ladder_id(clock: Clock) -> str:
    """The id of a ladder whose first rung was refused (no run id to borrow): time and a random suffix."""
    return f"ladder_refused_{clock.now().strftime('%Y%m%dT%H%M%SZ')}_{secrets.token_hex(4)}"


def _write_summary(ctx: OperateContext, ladder_id: str, document: dict[str, Any]) -> str:
    location = S3Location(ctx.evidence_bucket, f"{LADDERS_PREFIX}{ladder_id}.json")
    data = canonical_file_bytes(document)
    outcome = ctx.store.put_if_absent(location, data, content_type="application/json")
    if outcome is not PutOutcome.CREATED and ctx.store.get(location) != data:
        raise FailClosed(EVIDENCE_INVALID, f"{location.uri} already holds another ladder's summary")
    return location.uri


def run_ladder(
    profile: Profile,
    *,
    rungs: Sequence[int],
    logs: Path,
    outputs: Sequence[str] | None = None,
    git_revision: str | None = None,
    clock: Clock | None = None,
    step: Callable[[str], None] = lambda _: None,
) -> LadderResult:
    """Climb `rungs` with real lane runs under `profile`, then write the ladder's summary document."""
    clock = clock or SystemClock()
    with OperateContext(profile, clock=clock) as ctx:

        def run_rung(events: int) -> RungOutcome:
            platform_run_id = new_run(ctx, git_revision=git_revision).platform_run_id
            step(f"rung at {events} events per output: {platform_run_id}")
            telemetry.reset()
            try:
                lane = run_lane(
                    profile,
                    events_per_output=events,
                    logs=logs / platform_run_id,
                    outputs=outputs,
                    platform_run_id=platform_run_id,
                    clock=clock,
                    step=step,
                )
            except PlatformError as error:
                prefix = ctx.run(platform_run_id).prefix.uri
                return RungOutcome(platform_run_id, "FAIL", error.code, prefix, None, error.detail)
            cost = _bundle_cost(ctx, platform_run_id)
            step(f"rung {platform_run_id}: {lane.verdict}, estimated {cost.total} USD")
            return RungOutcome(platform_run_id, lane.verdict, lane.code, lane.evidence, cost)

        cap = profile.pricing.rung_cap_usd
        result = climb(rungs, run_rung, profile.pricing, cap)
        first = result.rungs[0].platform_run_id
        ladder_id = f"ladder_{first}" if first is not None else _unminted_ladder_id(clock)
        document = {
            "schema_version": _SCHEMA,
            "ladder_id": ladder_id,
            "profile": profile.profile,
            "rehearsal": profile.rehearsal,
            "rungs_requested": list(rungs),
            "rung_cap_usd": format(cap, "f"),
            "prices_taken_on": profile.pricing.taken_on,
            "projection": "previous rung's usage x (next / previous events per output), counts rounded up",
            "ok": result.ok,
            "code": result.code,
            "rungs": [record.to_json() for record in result.rungs],
        }
        uri = _write_summary(ctx, ladder_id, document)
        step(f"ladder summary: {uri}")
        return LadderResult(ladder_id, uri, result)
