"""`--all-transient`: every run that still has transient data, torn down or skipped with a reason.

Runs are found where their transient data is (folders under `fraud-platform/`, rows in the working
tables, WSP's per-run consumer groups `fp.{role}.run.{run}` and the legacy `fp-wsp-{run}`), not from
the evidence, so a run whose objects are gone but whose rows remain is still found. A run that fails
closed is listed with its code and the sweep goes on to the next (the command then exits 2). An
unfinished run is skipped (TEARDOWN_RUN_UNFINISHED), a folder that is not a run id is skipped
(RUN_ID_INVALID), each stated in the result. The root `_tmp/` scratch of both buckets is removed too;
it belongs to no run, so it is reported here, not in a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import RUN_ID_INVALID
from fraud_platform.obs.evidence import RUN_ID_REGEX
from fraud_platform.operate._reasons import TEARDOWN_RUN_UNFINISHED
from fraud_platform.operate.teardown.execute import TeardownOutcome, TeardownSite, teardown_run
from fraud_platform.operate.teardown.guard import guarded_delete
from fraud_platform.operate.teardown.surfaces import list_objects
from fraud_platform.substrate.objectstore.port import S3Location
from fraud_platform.substrate.state.run_rows import runs_with_rows
from fraud_platform.wsp.consume import served_run_of

__all__ = ["SweepOutcome", "sweep"]

_RUN_ID = re.compile(RUN_ID_REGEX)
_WORKING_ROOT = "fraud-platform/"
_SCRATCH = "_tmp/"


@dataclass
class SweepOutcome:
    """The runs torn down, the runs and folders skipped with their code, and the scratch removed."""

    runs: list[TeardownOutcome] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    scratch: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False when a finished run could not be torn down (skips for a reason are not failures)."""
        return not self.failed

    @property
    def code(self) -> str:
        return str(self.failed[0]["code"]) if self.failed else "OK"

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": [outcome.to_json() for outcome in self.runs],
            "skipped": self.skipped,
            "failed": self.failed,
            "scratch": self.scratch,
            "removed": {
                "objects": sum(o.document["removed"]["object_count"] for o in self.runs)
                + sum(s["objects"] for s in self.scratch),
                "bytes": sum(o.document["removed"]["object_bytes"] for o in self.runs)
                + sum(s["bytes"] for s in self.scratch),
                "state_rows": sum(sum(o.document["removed"]["state_rows"].values()) for o in self.runs),
                "consumer_groups": sum(len(o.document["removed"]["consumer_groups"]) for o in self.runs),
            },
            "proofs": [o.proof_uri for o in self.runs if o.proof_uri],
        }

    def rows(self) -> list[list[Any]]:
        """Every run's rows, then the scratch removed and the runs skipped (TABLE_COLUMNS order)."""
        rows = [row for outcome in self.runs for row in outcome.rows()]
        rows += [
            ["", "scratch", item["prefix"], item["objects"], item["bytes"], "swept"] for item in self.scratch
        ]
        rows += [[item["name"], "run", "", "", "", item["code"]] for item in [*self.skipped, *self.failed]]
        return rows

    def notes(self) -> list[str]:
        """Each run's notes, or a line saying no run had transient data."""
        return [line for outcome in self.runs for line in outcome.notes()] or [
            "  no run holds transient data"
        ]


def _folders(site: TeardownSite) -> set[str]:
    names: set[str] = set()
    for info in site.store.list(S3Location(site.object_bucket, _WORKING_ROOT)):
        names.add(info.key[len(_WORKING_ROOT) :].split("/", 1)[0])
    return names


def _candidates(site: TeardownSite, groups: list[str]) -> tuple[list[str], list[str]]:
    """(run ids with transient data, working folders that are not run ids), both sorted."""
    names = _folders(site) | runs_with_rows(site.engine)
    names |= {run for run in map(served_run_of, groups) if run is not None}
    runs = sorted(name for name in names if _RUN_ID.match(name))
    return runs, sorted(name for name in names if not _RUN_ID.match(name))


def _scratch(site: TeardownSite, *, dry_run: bool) -> list[dict[str, Any]]:
    removed = []
    for bucket in sorted({site.object_bucket, site.evidence_bucket}):
        found = list_objects(site.store, S3Location(bucket, _SCRATCH))
        if not dry_run:
            for location in found.locations():
                guarded_delete(site.store, location)
        removed.append({"prefix": f"s3://{bucket}/{_SCRATCH}", "objects": found.count, "bytes": found.bytes})
    return removed


def sweep(site: TeardownSite, *, dry_run: bool) -> SweepOutcome:
    """Tear down every finished run with transient data, then the root scratch (module docstring)."""
    groups = site.groups.list_groups()
    runs, others = _candidates(site, groups)
    outcome = SweepOutcome()
    for name in others:
        outcome.skipped.append(
            {"name": name, "code": str(RUN_ID_INVALID), "detail": "not a platform run id: left alone"}
        )
    for platform_run_id in runs:
        try:
            outcome.runs.append(teardown_run(site, platform_run_id, dry_run=dry_run, listed_groups=groups))
        except FailClosed as error:
            entry = {"name": platform_run_id, "code": str(error.code), "detail": error.detail}
            (outcome.skipped if error.code == TEARDOWN_RUN_UNFINISHED else outcome.failed).append(entry)
    outcome.scratch = _scratch(site, dry_run=dry_run)
    return outcome
