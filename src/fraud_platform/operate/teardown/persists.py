"""What stays after a run's teardown, how big it is, and what it costs per month to keep.

Why: the point of tearing `dev_min` down is the bill, so the proof states what the run still holds
(the Oracle pack it ran on, its evidence, the receipts kept for `fp run verify`) and prices it with
the profile's own table (`obs.cost`, the `s3_storage` line, GB-month), the same arithmetic the
ladder uses. The pack is the pointer's truth and serves every run on it: its size is named here, yet
it is not this run's alone to pay for. An unknown storage price is stated as unpriced, never as free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fraud_platform.config.schema import PricingSection
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import EVIDENCE_INVALID
from fraud_platform.obs.closure import ClosureCommit
from fraud_platform.obs.cost import UsageSummary, estimate_cost
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane.bundle import ORACLE_CHECK
from fraud_platform.operate.teardown.surfaces import ObjectSet
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["Persisting", "monthly_cost", "persisting"]

_STORAGE_LINE = "s3_storage"


@dataclass(frozen=True)
class Persisting:
    """One surface that stays: where, how many objects, how many bytes, and why it stays."""

    name: str
    uri: str
    objects: int
    bytes: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "uri": self.uri,
            "objects": self.objects,
            "bytes": self.bytes,
            "note": self.note,
        }


def _measure(store: ObjectStore, prefix: S3Location) -> tuple[int, int]:
    count = size = 0
    for info in store.list(prefix):
        count, size = count + 1, size + info.size
    return count, size


def _pack_root(store: ObjectStore, commit: ClosureCommit) -> str:
    entry = commit.document.get("files", {}).get(ORACLE_CHECK)
    if not isinstance(entry, dict) or "uri" not in entry:
        raise FailClosed(EVIDENCE_INVALID, f"{commit.uri} names no {ORACLE_CHECK}: the run's pack is unknown")
    check = parse_json_bytes(store.get(S3Location.parse(str(entry["uri"]))))
    if not isinstance(check, dict) or not isinstance(check.get("root"), str):
        raise FailClosed(EVIDENCE_INVALID, f"{entry['uri']} holds no pack root")
    return str(check["root"])


def persisting(
    store: ObjectStore, evidence: RunEvidence, commit: ClosureCommit, kept: ObjectSet
) -> list[Persisting]:
    """The Oracle pack of the run, its evidence (before the proof is added) and the kept receipts."""
    root = _pack_root(store, commit)
    pack_prefix = S3Location.parse(root if root.endswith("/") else root + "/")
    pack_count, pack_bytes = _measure(store, pack_prefix)
    evidence_count, evidence_bytes = _measure(store, evidence.prefix)
    found = [
        Persisting(
            "oracle_pack",
            pack_prefix.uri,
            pack_count,
            pack_bytes,
            "durable truth (never deleted); shared by every run on this pack",
        ),
        Persisting(
            "evidence",
            evidence.prefix.uri,
            evidence_count,
            evidence_bytes,
            "the run's closure bundle and facts (write-once; this proof not counted)",
        ),
    ]
    for folder in kept.folders():
        found.append(
            Persisting(
                "kept_for_verify",
                folder["prefix"],
                folder["objects"],
                folder["bytes"],
                "IG receipts that `fp run verify` re-reads (downstream parity)",
            )
        )
    return found


def monthly_cost(items: list[Persisting], prices: PricingSection) -> dict[str, Any]:
    """The storage cost per month of `items` from the price table (`obs.cost`), exact decimal strings."""
    stored = sum(item.bytes for item in items)
    usage = UsageSummary(
        s3_write_requests=0,
        s3_read_requests=0,
        s3_free_requests=0,
        s3_stored_bytes=stored,
        s3_transfer_out_bytes=0,
        kafka_bytes_produced=0,
        kafka_bytes_consumed=0,
        kafka_partition_hours=0,
        kafka_cluster_hours=0,
    )
    line = next(line for line in estimate_cost(usage, prices).lines if line.item == _STORAGE_LINE)
    priced = line.unit_price is not None
    return {
        "currency": prices.currency,
        "prices_taken_on": prices.taken_on,
        "stored_bytes": stored,
        "gb_month": str(line.quantity),
        "usd_per_gb_month": str(line.unit_price) if priced else None,
        "monthly_cost_usd": str(line.amount) if priced else None,
        "priced": priced,
    }
