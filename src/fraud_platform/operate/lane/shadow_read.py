"""Reading one committed lane run's records for the shadow comparison: its bus records and receipts.

Only a committed run is read, and only through its own records: the closure bundle is re-verified
(every SHA-256 in `run_completed.json`), its replay anchors name the first and last offset of the
run per topic and partition, and the records there are read back with no consumer group, keeping
those whose `platform_run_id` header is the run's. The count found must equal the anchors' count, or
the evidence does not describe the bus. IG's receipts objects give each event's decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fraud_platform.config import Profile, kafka_settings
from fraud_platform.core.canonical import canonical_bytes, parse_json_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock
from fraud_platform.obs._reasons import EVIDENCE_INVALID
from fraud_platform.obs.closure import ClosureCommit, verify_closure
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane.bundle import ANCHORS
from fraud_platform.operate.lane.shadow_compare import AdmittedEvent, RunRecords
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.substrate.bus.reader import KafkaPartitionReader
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["CommittedRun", "read_run_records"]

_READ_ROLE = "reporter"
_IDLE_S = 2.0
_READ_DEADLINE_S = 120.0


@dataclass(frozen=True)
class CommittedRun:
    """A committed run's commit object and the records the comparison needs."""

    commit: ClosureCommit
    records: RunRecords


def _admitted(message: BusMessage) -> AdmittedEvent:
    document = parse_json_bytes(message.value)
    if not isinstance(document, dict) or not isinstance(document.get("payload"), dict):
        raise FailClosed(
            EVIDENCE_INVALID, f"{message.topic}[{message.partition}]@{message.offset} is no event"
        )
    event_id = message.headers.get("event_id", b"").decode("ascii", "replace")
    if event_id != document.get("event_id"):
        raise FailClosed(
            EVIDENCE_INVALID,
            f"{message.topic}[{message.partition}]@{message.offset}: header and event ids differ",
        )
    return AdmittedEvent(
        output_id=str(document.get("event_type")),
        event_id=event_id,
        payload_hash=sha256_hex(canonical_bytes(document["payload"])),
        partition_key=(message.key or b"").decode("utf-8", "replace"),
        partition=message.partition,
        offset=message.offset,
    )


def _bus_events(
    reader: KafkaPartitionReader, platform_run_id: str, anchors: dict[str, Any]
) -> list[AdmittedEvent]:
    run_header = platform_run_id.encode("ascii")
    events: list[AdmittedEvent] = []
    for topic, partitions in sorted(anchors.items()):
        for partition, anchor in sorted(partitions.items(), key=lambda item: int(item[0])):
            first, last = int(anchor["first_offset"]), int(anchor["last_offset"])
            found: list[BusMessage] = []

            def keep(message: BusMessage, last: int = last, found: list[BusMessage] = found) -> bool:
                if message.offset <= last and message.headers.get("platform_run_id") == run_header:
                    found.append(message)
                return message.offset >= last

            reader.find(topic, int(partition), first, keep, idle_s=_IDLE_S, deadline_s=_READ_DEADLINE_S)
            if len(found) != int(anchor["records"]):
                raise FailClosed(
                    EVIDENCE_INVALID,
                    f"{topic}[{partition}] holds {len(found)} record(s) of {platform_run_id} between offsets"
                    f" {first} and {last}, its replay anchors say {anchor['records']}",
                )
            events.extend(_admitted(message) for message in found)
    return events


def _decisions(store: ObjectStore, bucket: str, platform_run_id: str) -> dict[tuple[str, str], list[str]]:
    decisions: dict[tuple[str, str], list[str]] = {}
    for info in store.list(S3Location(bucket, f"fraud-platform/{platform_run_id}/ig/receipts/")):
        for line in store.get(S3Location(bucket, info.key)).splitlines():
            receipt = parse_json_bytes(line)
            if not isinstance(receipt, dict):
                raise FailClosed(EVIDENCE_INVALID, f"{info.key} holds a line that is no receipt")
            decision = str(receipt.get("decision"))
            if decision == "QUARANTINE":
                decision = f"QUARANTINE:{receipt.get('reason_code')}"
            key = (str(receipt.get("event_type")), str(receipt.get("event_id")))
            decisions.setdefault(key, []).append(decision)
    return decisions


def read_run_records(
    profile: Profile, store: ObjectStore, clock: Clock, platform_run_id: str
) -> CommittedRun:
    """The committed run's admitted events (read back from the bus) and receipt decisions."""
    commit, files = verify_closure(store, RunEvidence(profile.object_store.evidence_bucket, platform_run_id))
    anchors = parse_json_bytes(files.get(ANCHORS, b"null"))
    if not isinstance(anchors, dict) or not isinstance(anchors.get("anchors"), dict):
        raise FailClosed(EVIDENCE_INVALID, f"the bundle of {platform_run_id} holds no {ANCHORS}")
    reader = KafkaPartitionReader(kafka_settings(profile, _READ_ROLE), clock=clock)
    events = _bus_events(reader, platform_run_id, anchors["anchors"])
    decisions = _decisions(store, profile.object_store.object_store_bucket, platform_run_id)
    return CommittedRun(commit, RunRecords(events, decisions))
