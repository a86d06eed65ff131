"""Tearing down one finished run: plan, delete, check nothing is left, write the proof once.

Order, each step fail-closed: the run must be committed (`run_completed.json`); its transient data
is read from the substrates; a stored proof with nothing left is the answer (a rerun converges),
while data appearing after a proof is drift. Then the plan (every object key, rows per table,
groups) is written once as `teardown_plan.json` before anything is deleted, so a crash mid-way
leaves the inventory of what the first attempt found: a rerun removes the rest and its proof still
names everything removed (and refuses data the plan does not list: drift). Objects are deleted one
by one through the guard, the rows in one transaction, the groups through the admin API; the run is
read again and must hold nothing to remove; `teardown_proof.json` is written last, write-once.
`--dry-run` stops after the inventory and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fraud_platform.config.schema import PricingSection
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.eb.topics import CONTROL_TOPIC, TOPICS
from fraud_platform.obs.closure import ClosureCommit, read_commit
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate._reasons import (
    TEARDOWN_DRIFT,
    TEARDOWN_GROUP_KEPT,
    TEARDOWN_INCOMPLETE,
    TEARDOWN_KEPT_FOR_VERIFY,
    TEARDOWN_RUN_UNFINISHED,
    TEARDOWN_TOPIC_RETAINED,
    TEARDOWN_VERSIONS_RETAINED,
)
from fraud_platform.operate.lane.bundle import RECONCILIATION
from fraud_platform.operate.teardown.guard import guarded_delete
from fraud_platform.operate.teardown.persists import monthly_cost, persisting
from fraud_platform.operate.teardown.surfaces import RunSurfaces, run_surfaces
from fraud_platform.substrate.bus.groups import KafkaGroupAdmin
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.state.run_rows import delete_run_rows
from fraud_platform.substrate.state.tables import StateEngine

__all__ = ["PLAN", "PROOF", "TABLE_COLUMNS", "TeardownOutcome", "TeardownSite", "teardown_run"]

PROOF = "teardown_proof.json"
PLAN = "teardown_plan.json"
_PROOF_SCHEMA = "fp.operate.teardown_proof.v1"
TABLE_COLUMNS = ("run", "surface", "where", "objects", "bytes", "status")
"""Columns of the human table (`TeardownOutcome.rows`)."""
_PLAN_SCHEMA = "fp.operate.teardown_plan.v1"


@dataclass(frozen=True)
class TeardownSite:
    """The handles teardown works with: the operator's store, the state store, the group admin."""

    store: ObjectStore
    object_bucket: str
    evidence_bucket: str
    engine: StateEngine
    groups: KafkaGroupAdmin
    pricing: PricingSection
    versioning: str | None
    clock: Clock


def _short(uri: str, platform_run_id: str) -> str:
    """A run-folder URI as `…/{folder}` (the run is its own column), anything else as it is."""
    marker = f"/fraud-platform/{platform_run_id}/"
    return "…/" + uri.split(marker, 1)[1] if marker in uri else uri


@dataclass(frozen=True)
class TeardownOutcome:
    """The proof (or, for a dry run, the same document unwritten) and where it is."""

    platform_run_id: str
    document: dict[str, Any]
    proof_uri: str | None
    dry_run: bool
    converged: bool

    ok = True
    code = "OK"

    def to_json(self) -> dict[str, Any]:
        removed = self.document["removed"]
        return {
            "platform_run_id": self.platform_run_id,
            "dry_run": self.dry_run,
            "converged": self.converged,
            "removed": {
                "objects": removed["object_count"],
                "bytes": removed["object_bytes"],
                "state_rows": removed["state_rows"],
                "consumer_groups": removed["consumer_groups"],
            },
            "persists": self.document["persists"],
            "skipped": self.document["skipped"],
            "monthly_cost_usd": self.document["storage_cost"]["monthly_cost_usd"],
            "proof": self.proof_uri,
        }

    def rows(self) -> list[list[Any]]:
        """One row per surface (removed, skipped, persisting) in TABLE_COLUMNS order."""
        doc, run = self.document, self.platform_run_id
        verb = "would remove" if self.dry_run else "removed"
        removed = doc["removed"]
        rows: list[list[Any]] = [
            [run, "objects", _short(item["prefix"], run), item["objects"], item["bytes"], verb]
            for item in removed["objects"]
        ]
        rows += [
            [run, "state rows", table, count, "", verb] for table, count in removed["state_rows"].items()
        ]
        rows += [[run, "consumer group", group, 1, "", verb] for group in removed["consumer_groups"]]
        rows += [
            [run, item["surface"], _short(item["name"], run), "", "", item["code"]] for item in doc["skipped"]
        ]
        rows += [
            [run, "persists", _short(item["uri"], run), item["objects"], item["bytes"], item["name"]]
            for item in doc["persists"]
        ]
        return rows

    def notes(self) -> list[str]:
        """What the run keeps and costs per month, and where the proof is."""
        cost = self.document["storage_cost"]
        state = "converged: the stored proof is the answer" if self.converged else ""
        return [
            f"  {self.platform_run_id}: keeps {cost['stored_bytes']} bytes, "
            f"{cost['monthly_cost_usd']} USD/month (prices of {cost['prices_taken_on']}) {state}".rstrip(),
            f"  proof  {self.proof_uri or 'none (dry run: nothing deleted, nothing written)'}",
        ]


def _committed(site: TeardownSite, evidence: RunEvidence) -> ClosureCommit:
    commit = read_commit(site.store, evidence)
    if commit is None:
        raise FailClosed(
            TEARDOWN_RUN_UNFINISHED,
            f"{evidence.platform_run_id} has no run_completed.json: an unfinished run is not torn down",
            {"prefix": evidence.prefix.uri},
        )
    return commit


def _topics(site: TeardownSite, commit: ClosureCommit) -> list[str]:
    entry = commit.document.get("files", {}).get(RECONCILIATION, {})
    recon = parse_json_bytes(site.store.get(S3Location.parse(str(entry["uri"])))) if "uri" in entry else {}
    rows = recon.get("outputs", []) if isinstance(recon, dict) else []
    return sorted({CONTROL_TOPIC, *(str(row["topic"]) for row in rows if "topic" in row)})


def _skipped(
    site: TeardownSite, surfaces: RunSurfaces, commit: ClosureCommit, refused: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    retention = {spec.name: spec.retention_ms for spec in TOPICS}
    skipped = list(refused)
    for folder in surfaces.kept.folders():
        skipped.append(
            {
                "surface": "objects",
                "name": folder["prefix"],
                "code": str(TEARDOWN_KEPT_FOR_VERIFY),
                "detail": "re-read by `fp run verify` (sampled event ids among IG's admitted receipts)",
            }
        )
    for topic in _topics(site, commit):
        skipped.append(
            {
                "surface": "topic",
                "name": topic,
                "code": str(TEARDOWN_TOPIC_RETAINED),
                "detail": f"shared by every run; records expire by retention.ms={retention.get(topic)}, "
                "and a per-run delete of records does not exist in Kafka",
            }
        )
    if site.versioning == "Enabled" and surfaces.objects.count:
        skipped.append(
            {
                "surface": "object_versions",
                "name": f"s3://{site.object_bucket}/",
                "code": str(TEARDOWN_VERSIONS_RETAINED),
                "detail": "bucket versioning is Enabled: each removed object leaves a noncurrent version",
            }
        )
    return skipped


def _document(
    site: TeardownSite,
    evidence: RunEvidence,
    commit: ClosureCommit,
    planned: RunSurfaces,
    deleted_groups: list[str],
    refused: list[dict[str, Any]],
    plan_ref: dict[str, Any] | None,
) -> dict[str, Any]:
    persists = persisting(site.store, evidence, commit, planned.kept)
    return {
        "schema_version": _PROOF_SCHEMA,
        "platform_run_id": evidence.platform_run_id,
        "plan": plan_ref,
        "removed": {
            "objects": planned.objects.folders(),
            "object_count": planned.objects.count,
            "object_bytes": planned.objects.bytes,
            "state_rows": dict(sorted(planned.state_rows.items())),
            "consumer_groups": sorted(deleted_groups),
        },
        "skipped": _skipped(site, planned, commit, refused),
        "persists": [item.to_json() for item in persists],
        "storage_cost": monthly_cost(persists, site.pricing),
    }


def _stored_plan(
    site: TeardownSite, evidence: RunEvidence, surfaces: RunSurfaces
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's plan (written now, or the first attempt's) and its reference {uri, sha256}."""
    location = evidence.prefix.child(PLAN)
    if site.store.head(location) is None:
        data = canonical_file_bytes({"schema_version": _PLAN_SCHEMA, **surfaces.to_plan()})
        site.store.put_if_absent(location, data, content_type="application/json")
    data = site.store.get(location)
    plan = parse_json_bytes(data)
    if not isinstance(plan, dict) or plan.get("schema_version") != _PLAN_SCHEMA:
        raise FailClosed(TEARDOWN_DRIFT, f"{location.uri} is not a {_PLAN_SCHEMA} document")
    return plan, {"uri": location.uri, "sha256": sha256_hex(data)}


def _check_within(plan: dict[str, Any], now: RunSurfaces) -> None:
    """Everything left must be in the stored plan; else something wrote to a finished run (drift)."""
    keys = {item["key"] for item in plan["objects"]}
    extra = [key for key, _ in now.objects.objects if key not in keys]
    rows = {
        table: count for table, count in now.state_rows.items() if count > plan["state_rows"].get(table, 0)
    }
    groups = [group for group in now.groups if group not in plan["consumer_groups"]]
    if extra or rows or groups:
        raise FailClosed(
            TEARDOWN_DRIFT,
            f"{now.platform_run_id} holds transient data its stored teardown plan does not list",
            {"objects": extra[:10], "state_rows": rows, "consumer_groups": groups},
        )


def _as_planned(plan: dict[str, Any], now: RunSurfaces) -> RunSurfaces:
    """The plan's inventory in the shape of surfaces (what the first attempt found)."""
    objects = tuple((str(item["key"]), int(item["bytes"])) for item in plan["objects"])
    return RunSurfaces(
        platform_run_id=now.platform_run_id,
        objects=type(now.objects)(now.objects.bucket, now.objects.base, objects),
        kept=now.kept,
        state_rows={str(table): int(count) for table, count in plan["state_rows"].items()},
        groups=tuple(str(group) for group in plan["consumer_groups"]),
    )


def _delete(site: TeardownSite, now: RunSurfaces) -> tuple[list[str], list[dict[str, Any]]]:
    """Remove what is left now; returns the groups the broker deleted and typed skips for refusals."""
    for location in now.objects.locations():
        guarded_delete(site.store, location)
    delete_run_rows(site.engine, now.platform_run_id)
    deleted: list[str] = []
    refused: list[dict[str, Any]] = []
    for result in site.groups.delete_groups(list(now.groups)):
        if result.deleted:
            deleted.append(result.group_id)
        else:
            refused.append(
                {
                    "surface": "consumer_group",
                    "name": result.group_id,
                    "code": str(TEARDOWN_GROUP_KEPT),
                    "detail": f"{result.code}: {result.detail}",
                }
            )
    return deleted, refused


def teardown_run(
    site: TeardownSite, platform_run_id: str, *, dry_run: bool, listed_groups: list[str] | None = None
) -> TeardownOutcome:
    """Tear one finished run down (module docstring); a dry run returns the plan as a proof-shaped doc."""
    evidence = RunEvidence(site.evidence_bucket, platform_run_id)
    commit = _committed(site, evidence)
    now = run_surfaces(
        site.store, site.object_bucket, site.engine, site.groups, platform_run_id, listed_groups=listed_groups
    )
    proof_location = evidence.prefix.child(PROOF)
    if site.store.head(proof_location) is not None:
        if not now.empty:
            raise FailClosed(
                TEARDOWN_DRIFT,
                f"{platform_run_id} was torn down ({proof_location.uri}) yet holds transient data again",
                {"proof": proof_location.uri, "plan": now.to_plan()},
            )
        stored = parse_json_bytes(site.store.get(proof_location))
        return TeardownOutcome(platform_run_id, dict(stored), proof_location.uri, dry_run, converged=True)
    if dry_run:
        document = _document(site, evidence, commit, now, list(now.groups), [], None)
        return TeardownOutcome(platform_run_id, document, None, dry_run=True, converged=False)
    plan, plan_ref = _stored_plan(site, evidence, now)
    _check_within(plan, now)
    planned = _as_planned(plan, now)
    deleted, refused = _delete(site, now)
    after = run_surfaces(site.store, site.object_bucket, site.engine, site.groups, platform_run_id)
    refused_names = {item["name"] for item in refused}
    if after.objects.count or any(after.state_rows.values()) or set(after.groups) - refused_names:
        raise FailClosed(
            TEARDOWN_INCOMPLETE,
            f"{platform_run_id} still holds transient data after teardown",
            {"left": after.to_plan()},
        )
    gone_before = [group for group in planned.groups if group not in now.groups]
    document = _document(site, evidence, commit, planned, [*gone_before, *deleted], refused, plan_ref)
    document["after"] = {
        "objects": after.objects.count,
        "state_rows": sum(after.state_rows.values()),
        "consumer_groups": sorted(after.groups),
    }
    document["completed_at_utc"] = format_utc(site.clock.now())
    site.store.put_if_absent(proof_location, canonical_file_bytes(document), content_type="application/json")
    stored = parse_json_bytes(site.store.get(proof_location))
    return TeardownOutcome(platform_run_id, dict(stored), proof_location.uri, dry_run=False, converged=False)
