"""Reconciliation of a bounded run from each component's own records (never from logs or stdout).

Three independent witnesses are set side by side, per output:
- WSP's checkpoints (`sent`, and what IG answered, as WSP durably recorded it);
- IG's receipts objects (`fraud-platform/{run}/ig/receipts/*.ndjson`: one line per decision, so
  `received` = lines, split into admitted / duplicate / quarantined by reason);
- the Event Bus read back per topic and partition from the first offset this run's receipts name,
  counting only records whose `platform_run_id` header is this run's.

The run passes only if, per output and in total, `sent = received = admitted + duplicate +
quarantined`, the bus holds exactly `admitted` records, no event id is on the bus twice, and, for a
clean run, `admitted = min(cap, view rows)`. The replay anchors (first and last offset of this run
per topic and partition) come from the bus read-back. The result holds no wall-clock field, so a
rerun over the same records yields the same bytes (the closure bundle relies on that).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.eb.envelope import ROUTES
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "BusRecord",
    "OutputReconciliation",
    "ReceiptTally",
    "Reconciliation",
    "WspCounts",
    "read_bus_records",
    "reconcile",
    "tally_receipts",
]

PartitionReader = Callable[[str, int, int], Iterable[BusMessage]]
"""`(topic, partition, from_offset)` → every record from that offset until the partition is idle."""


@dataclass(frozen=True)
class WspCounts:
    """One output's WSP checkpoint row."""

    sent: int
    admitted: int
    duplicate: int
    quarantined: int


@dataclass
class ReceiptTally:
    """IG's receipts of one output: decisions counted, quarantine reasons, the EB refs it handed out."""

    received: int = 0
    admitted: int = 0
    duplicate: int = 0
    quarantined: int = 0
    quarantine_reasons: Counter[str] = field(default_factory=Counter)
    eb_refs: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class BusRecord:
    """One record of this run found on the bus."""

    topic: str
    partition: int
    offset: int
    event_id: str


@dataclass(frozen=True)
class OutputReconciliation:
    """The witnesses of one output side by side, and why they disagree (empty when they agree)."""

    output_id: str
    topic: str
    view_rows: int
    expected_admitted: int
    sent: int
    received: int
    admitted: int
    duplicate: int
    quarantined: int
    quarantine_reasons: dict[str, int]
    wsp_admitted: int
    on_topic: int
    distinct_on_topic: int
    problems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "output_id": self.output_id,
            "topic": self.topic,
            "view_rows": self.view_rows,
            "expected_admitted": self.expected_admitted,
            "sent": self.sent,
            "received": self.received,
            "admitted": self.admitted,
            "duplicate": self.duplicate,
            "quarantined": self.quarantined,
            "quarantine_reasons": dict(sorted(self.quarantine_reasons.items())),
            "wsp_admitted": self.wsp_admitted,
            "on_topic": self.on_topic,
            "distinct_on_topic": self.distinct_on_topic,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class Reconciliation:
    """The whole run: per-output rows, totals, replay anchors and the verdict."""

    platform_run_id: str
    cap: int
    outputs: tuple[OutputReconciliation, ...]
    anchors: dict[str, dict[str, dict[str, int]]]

    @property
    def problems(self) -> list[str]:
        return [f"{row.output_id}: {problem}" for row in self.outputs for problem in row.problems]

    @property
    def ok(self) -> bool:
        return bool(self.outputs) and not self.problems

    @property
    def verdict(self) -> str:
        return "PASS" if self.ok else "FAIL"

    def totals(self) -> dict[str, int]:
        names = ("view_rows", "sent", "received", "admitted", "duplicate", "quarantined", "on_topic")
        return {name: sum(int(getattr(row, name)) for row in self.outputs) for name in names}

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": "fp.obs.reconciliation.v1",
            "platform_run_id": self.platform_run_id,
            "cap": self.cap,
            "verdict": self.verdict,
            "outputs": [row.to_json() for row in self.outputs],
            "totals": self.totals(),
            "problems": self.problems,
            "sources": {
                "sent": "WSP checkpoints (state store)",
                "received/admitted/duplicate/quarantined": "IG receipts objects",
                "on_topic": "Event Bus read back by offset range, this run's records by header",
            },
        }


def tally_receipts(store: ObjectStore, bucket: str, platform_run_id: str) -> dict[str, ReceiptTally]:
    """IG's receipts of a run, per output (`event_type`), read from the immutable receipts objects."""
    tallies: dict[str, ReceiptTally] = {}
    prefix = S3Location(bucket, f"fraud-platform/{platform_run_id}/ig/receipts/")
    for info in store.list(prefix):
        for line in store.get(S3Location(bucket, info.key)).splitlines():
            receipt = parse_json_bytes(line)
            if not isinstance(receipt, dict):
                continue
            tally = tallies.setdefault(str(receipt.get("event_type")), ReceiptTally())
            tally.received += 1
            decision = receipt.get("decision")
            if decision == "ADMIT":
                tally.admitted += 1
                ref = receipt.get("eb_ref")
                if isinstance(ref, dict):
                    tally.eb_refs.append((str(ref["topic"]), int(ref["partition"]), int(ref["offset"])))
            elif decision == "DUPLICATE":
                tally.duplicate += 1
            else:
                tally.quarantined += 1
                tally.quarantine_reasons[str(receipt.get("reason_code"))] += 1
    return tallies


def read_bus_records(
    platform_run_id: str,
    partitions: Mapping[str, int],
    receipts: Mapping[str, ReceiptTally],
    read: PartitionReader,
) -> list[BusRecord]:
    """This run's records on each topic, read per partition from the lowest offset its receipts name.

    A partition no receipt names is read from offset 0, so a record IG published without a receipt
    is still found. Records of other runs (they share the topics) are skipped by their header.
    """
    start: dict[tuple[str, int], int] = {}
    for tally in receipts.values():
        for topic, partition, offset in tally.eb_refs:
            start[(topic, partition)] = min(offset, start.get((topic, partition), offset))
    run_header = platform_run_id.encode("ascii")
    found: list[BusRecord] = []
    for topic, count in sorted(partitions.items()):
        for partition in range(count):
            for message in read(topic, partition, start.get((topic, partition), 0)):
                if message.headers.get("platform_run_id") != run_header:
                    continue
                event_id = message.headers.get("event_id", b"").decode("ascii", "replace")
                found.append(BusRecord(topic, message.partition, message.offset, event_id))
    return found


def _anchors(records: Iterable[BusRecord]) -> dict[str, dict[str, dict[str, int]]]:
    anchors: dict[str, dict[str, dict[str, int]]] = {}
    for record in records:
        slot = anchors.setdefault(record.topic, {}).setdefault(
            str(record.partition), {"first_offset": record.offset, "last_offset": record.offset, "records": 0}
        )
        slot["first_offset"] = min(slot["first_offset"], record.offset)
        slot["last_offset"] = max(slot["last_offset"], record.offset)
        slot["records"] += 1
    return {topic: dict(sorted(parts.items())) for topic, parts in sorted(anchors.items())}


def _problems(
    wsp: WspCounts, tally: ReceiptTally, on_topic: int, distinct: int, expected: int, topic: str
) -> tuple[str, ...]:
    found: list[str] = []
    if not wsp.sent == tally.received == tally.admitted + tally.duplicate + tally.quarantined:
        found.append(
            f"sent {wsp.sent} (WSP), received {tally.received} (IG receipts) and admitted {tally.admitted}"
            f" + duplicate {tally.duplicate} + quarantined {tally.quarantined} are not all equal"
        )
    if on_topic != tally.admitted:
        found.append(f"{on_topic} record(s) of this run on {topic}, {tally.admitted} admitted")
    if distinct != on_topic:
        found.append(f"{on_topic - distinct} event id(s) on {topic} more than once")
    if tally.quarantined == 0 and tally.admitted != expected:
        found.append(f"admitted {tally.admitted}, expected min(cap, view rows) = {expected}")
    return tuple(found)


def reconcile(
    platform_run_id: str,
    cap: int,
    view_rows: Mapping[str, int],
    wsp: Mapping[str, WspCounts],
    receipts: Mapping[str, ReceiptTally],
    records: Iterable[BusRecord],
) -> Reconciliation:
    """Set the three witnesses side by side for every output of the run (`view_rows` names them).

    An output present in WSP's checkpoints or IG's receipts but not in `view_rows` is reported as a
    problem of its own, never dropped.
    """
    listed = list(records)
    by_topic: dict[str, Counter[str]] = {}
    for record in listed:
        by_topic.setdefault(record.topic, Counter())[record.event_id] += 1
    rows: list[OutputReconciliation] = []
    for output_id in sorted(set(view_rows) | set(wsp) | set(receipts)):
        route = ROUTES.get(output_id)
        topic = route.topic if route is not None else "?"
        counts = wsp.get(output_id, WspCounts(0, 0, 0, 0))
        tally = receipts.get(output_id, ReceiptTally())
        ids = by_topic.get(topic, Counter())
        rows_in_view = view_rows.get(output_id, 0)
        expected = min(cap, rows_in_view)
        problems = _problems(counts, tally, ids.total(), len(ids), expected, topic)
        if output_id not in view_rows:
            problems = (*problems, "not an output of this run's pack check")
        rows.append(
            OutputReconciliation(
                output_id=output_id,
                topic=topic,
                view_rows=rows_in_view,
                expected_admitted=expected,
                sent=counts.sent,
                received=tally.received,
                admitted=tally.admitted,
                duplicate=tally.duplicate,
                quarantined=tally.quarantined,
                quarantine_reasons=dict(tally.quarantine_reasons),
                wsp_admitted=counts.admitted,
                on_topic=ids.total(),
                distinct_on_topic=len(ids),
                problems=problems,
            )
        )
    return Reconciliation(platform_run_id, cap, tuple(rows), _anchors(listed))
