"""Dedupe and publish, exactly once in effect: claim → produce → confirm, and reconcile what a crash left.

For a batch of admissible events (unique dedupe keys) `Publisher.admit`:
1. claims every key in one transaction (`claim_batch`): a key this process inserts is `IN_FLIGHT`,
   held by this process (`holder`) until `claim_ttl_s` from now; a key already there is read back;
2. answers keys already `ADMITTED` as DUPLICATE (citing the original EB reference) and keys with
   another payload hash as PAYLOAD_HASH_MISMATCH;
3. produces its own claims in one batch, to a partition it computed itself (so the partition is
   known before the record exists), waits for every acknowledgement, then marks them `ADMITTED`
   fenced by holder + epoch (`confirm_batch`): ADMIT with `{topic, partition, offset}`;
4. waits for keys another live process holds (`IN_FLIGHT`, claim not expired) to become ADMITTED
   (then DUPLICATE). A claim that expired belonged to a process that died or gave up: this process
   takes it over (compare-and-swap on the epoch) and **reconciles**: it reads the partition from
   the row's `scan_from` (the partition's confirmed mark when the key was claimed) looking for the
   event id in the record headers. Found: the record landed, mark it ADMITTED at that offset.
   Not found: produce it now. Either way one record per key on the topic.

Why the claim TTL exceeds the producer's delivery timeout (+ grace): once a claim expired, its
holder's producer has given up on the record, so the partition the taker reads can no longer grow
that record afterwards. A store or broker that is down raises TransientError; rows stay IN_FLIGHT
and the client's retry resolves them through the same path.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.core.time import Clock
from fraud_platform.eb.envelope import EVENT_ID_HEADER, Decision
from fraud_platform.ig._reasons import IG_DEPENDENCY_UNAVAILABLE, PAYLOAD_HASH_MISMATCH
from fraud_platform.ig.admission import Admissible
from fraud_platform.ig.metrics import IgMetrics
from fraud_platform.ig.run_telemetry import RunTelemetry
from fraud_platform.ig.settings import IgSettings
from fraud_platform.substrate._reasons import BUS_TOPIC_MISSING
from fraud_platform.substrate.bus.port import (
    BusAdmin,
    BusMessage,
    BusProducer,
    Delivery,
    OutboundRecord,
)
from fraud_platform.substrate.bus.reader import KafkaPartitionReader
from fraud_platform.substrate.state.ig_tables import (
    ADMITTED,
    AdmissionKey,
    ClaimRequest,
    Confirmed,
    admission_rows,
    claim_batch,
    confirm_batch,
    partition_marks,
    take_over_claim,
)
from fraud_platform.substrate.state.tables import StateEngine

__all__ = ["BusRef", "Outcome", "PartitionBook", "Publisher", "record_headers"]

_WAIT_SLICE_S = 0.1


class BusRef(NamedTuple):
    """Where a record is on the Event Bus: the `EbRef` of IG's answers, as a tuple built per event
    (a pydantic model costs ~3 µs each to build; the answer is validated once, as a whole)."""

    topic: str
    partition: int
    offset: int

    def as_json(self) -> dict[str, Any]:
        """The `EbRef` JSON object."""
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


class Outcome(NamedTuple):
    """What IG answers for one dedupe key (a named tuple: one is built per event, and cheaply)."""

    decision: Decision
    eb_ref: BusRef | None = None
    reason_code: ReasonCode | None = None
    detail: str = ""


class PartitionBook:
    """Partition counts of the bus topics (read once per topic) and the partition of a key."""

    def __init__(self, admin: BusAdmin, *, timeout_s: float = 5.0) -> None:
        self._admin = admin
        self._timeout_s = timeout_s
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def partition_for(self, topic: str, key: bytes) -> int:
        """CRC32 of the key modulo the topic's partition count: stable, and known before producing."""
        count = self._counts.get(topic)  # a dict read is atomic; the lock only orders the writes
        if count is None:
            topics = self._admin.list_topics(self._timeout_s)
            if topic not in topics or topics[topic] < 1:
                raise FailClosed(BUS_TOPIC_MISSING, f"topic {topic} does not exist", {"topic": topic})
            count = topics[topic]
            with self._lock:
                self._counts[topic] = count
        return zlib.crc32(key) % count


def record_headers(event: Admissible) -> dict[str, bytes]:
    """Headers of an event's record: its id (for reconciliation and consumers) and both run ids."""
    envelope = event.envelope
    return {
        EVENT_ID_HEADER: envelope.event_id.encode("ascii"),
        "platform_run_id": envelope.platform_run_id.encode("ascii"),
        "scenario_run_id": envelope.scenario_run_id.encode("ascii"),
        "event_type": envelope.event_type.encode("utf-8"),
        "event_class": event.route.event_class.encode("ascii"),
    }


def _ref(row: dict[str, object]) -> BusRef:
    return BusRef(str(row["topic"]), int(str(row["partition"])), int(str(row["offset"])))


class Publisher:
    """Claims, publishes, confirms and reconciles; one per IG process, safe to share across threads."""

    def __init__(
        self,
        *,
        engine: StateEngine,
        producer: BusProducer,
        reader: KafkaPartitionReader,
        partitions: PartitionBook,
        settings: IgSettings,
        clock: Clock,
        holder: str,
        metrics: IgMetrics,
        pause: Callable[[str], None] | None = None,
        telemetry: RunTelemetry | None = None,
    ) -> None:
        self._engine = engine
        self._telemetry = telemetry
        self._producer = producer
        self._reader = reader
        self._partitions = partitions
        self._settings = settings
        self._clock = clock
        self._holder = holder
        self._metrics = metrics
        self._pause = pause or (lambda _point: None)
        self._active: set[AdmissionKey] = set()
        self._lock = threading.Lock()

    def _now_us(self) -> int:
        return int(self._clock.now().timestamp() * 1_000_000)

    def _expiry_us(self) -> int:
        return self._now_us() + int(self._settings.claim_ttl_s * 1_000_000)

    def admit(
        self, events: Sequence[Admissible], receipt_ids: dict[AdmissionKey, str]
    ) -> dict[AdmissionKey, Outcome]:
        """Decide every event (keys unique within `events`); raises TransientError when a store is down."""
        if not events:
            return {}
        by_key = {event.key: event for event in events}
        places = {
            key: (e.route.topic, self._partitions.partition_for(e.route.topic, e.partition_key))
            for key, e in by_key.items()
        }
        marks = partition_marks(self._engine, places.values())
        requests = [
            ClaimRequest(key, by_key[key].payload_hash, topic, partition, marks[(topic, partition)])
            for key, (topic, partition) in places.items()
        ]
        inserted, rows = claim_batch(
            self._engine, requests, holder=self._holder, expires_us=self._expiry_us()
        )
        with self._lock:
            self._active.update(inserted)
        try:
            outcomes: dict[AdmissionKey, Outcome] = {}
            pending: list[AdmissionKey] = []
            for key, event in by_key.items():
                row = rows[key]
                if key in inserted:
                    continue
                if row["payload_hash"] != event.payload_hash:
                    outcomes[key] = self._mismatch(row)
                elif row["state"] == ADMITTED:
                    outcomes[key] = Outcome(Decision.DUPLICATE, _ref(row))
                else:
                    pending.append(key)
            mine = [by_key[key] for key in by_key if key in inserted]
            outcomes.update(self._publish(mine, {key: places[key][1] for key in inserted}, 1, receipt_ids))
            outcomes.update(self._resolve(pending, by_key, receipt_ids))
            return outcomes
        finally:
            with self._lock:
                self._active.difference_update(inserted)

    def _mismatch(self, row: dict[str, object]) -> Outcome:
        cited = (
            f" (original at {row['topic']}[{row['partition']}]@{row['offset']})"
            if row["state"] == ADMITTED
            else ""
        )
        return Outcome(
            Decision.QUARANTINE,
            None,
            PAYLOAD_HASH_MISMATCH,
            f"event id already claimed with payload hash {row['payload_hash']}{cited}",
        )

    def _publish(
        self,
        events: Sequence[Admissible],
        partitions: dict[AdmissionKey, int],
        epochs: dict[AdmissionKey, int] | int,
        receipt_ids: dict[AdmissionKey, str],
    ) -> dict[AdmissionKey, Outcome]:
        if not events:
            return {}
        records = [
            OutboundRecord(
                topic=event.route.topic,
                value=event.value,
                key=event.partition_key,
                headers=record_headers(event),
                partition=partitions[event.key],
            )
            for event in events
        ]
        self._pause("before_publish")
        started = self._clock.monotonic()
        with self._metrics.publishing.track_inprogress():
            deliveries = self._producer.produce_batch(records)
        self._metrics.publish_latency.observe(self._clock.monotonic() - started)
        if self._telemetry is not None:
            self._count_produced(events, deliveries)
        self._pause("after_publish")
        placed = {
            event.key: BusRef(delivery.topic, delivery.partition, delivery.offset)
            for event, delivery in zip(events, deliveries, strict=True)
        }
        return self._confirm(placed, epochs, receipt_ids)

    def _count_produced(self, events: Sequence[Admissible], deliveries: Sequence[Delivery]) -> None:
        """Per-run Kafka telemetry of a published batch, summed per (run, topic) before taking its lock."""
        assert self._telemetry is not None  # checked by the caller
        moved: dict[tuple[str, str], list[int]] = {}
        for event, delivery in zip(events, deliveries, strict=True):
            counts = moved.setdefault((event.envelope.platform_run_id, delivery.topic), [0, 0])
            counts[0] += 1
            counts[1] += len(event.partition_key) + len(event.value)
        for (platform_run_id, topic), (messages, nbytes) in sorted(moved.items()):
            self._telemetry.produced(platform_run_id, topic, nbytes, messages=messages)

    def _confirm(
        self,
        placed: dict[AdmissionKey, BusRef],
        epochs: dict[AdmissionKey, int] | int,
        receipt_ids: dict[AdmissionKey, str],
    ) -> dict[AdmissionKey, Outcome]:
        confirmed = [
            Confirmed(
                key,
                self._holder,
                epochs if isinstance(epochs, int) else epochs[key],
                ref.offset,
                receipt_ids[key],
                (ref.topic, ref.partition),
            )
            for key, ref in placed.items()
        ]
        moved = confirm_batch(self._engine, confirmed)
        outcomes = {key: Outcome(Decision.ADMIT, placed[key]) for key in moved}
        lost = [key for key in placed if key not in moved]
        for key, row in admission_rows(self._engine, lost).items():
            if row["state"] != ADMITTED:
                raise TransientError(
                    IG_DEPENDENCY_UNAVAILABLE, "an IG claim moved on while publishing; retry"
                )
            outcomes[key] = Outcome(Decision.DUPLICATE, _ref(row))
        return outcomes

    def _resolve(
        self,
        pending: list[AdmissionKey],
        by_key: dict[AdmissionKey, Admissible],
        receipt_ids: dict[AdmissionKey, str],
    ) -> dict[AdmissionKey, Outcome]:
        outcomes: dict[AdmissionKey, Outcome] = {}
        deadline = self._clock.monotonic() + self._settings.claim_ttl_s + 5
        while pending:
            taken: dict[AdmissionKey, dict[str, object]] = {}
            rows = admission_rows(self._engine, pending)
            now_us = self._now_us()
            with self._lock:
                active = set(self._active)
            for key in pending:
                row = rows[key]
                if row["state"] == ADMITTED:
                    outcomes[key] = Outcome(Decision.DUPLICATE, _ref(row))
                    continue
                orphan = row["holder"] == self._holder and key not in active
                expiry = int(str(row["claim_expires_us"]))
                if (orphan or expiry <= now_us) and take_over_claim(
                    self._engine,
                    key,
                    old_epoch=int(str(row["claim_epoch"])),
                    holder=self._holder,
                    now_us=max(now_us, expiry) if orphan else now_us,
                    expires_us=self._expiry_us(),
                ):
                    taken[key] = {**row, "claim_epoch": int(str(row["claim_epoch"])) + 1}
            outcomes.update(self._reconcile(taken, by_key, receipt_ids))
            pending = [key for key in pending if key not in outcomes]
            if pending:
                if self._clock.monotonic() > deadline:
                    raise TransientError(
                        IG_DEPENDENCY_UNAVAILABLE,
                        f"{len(pending)} event(s) still being published by another IG instance",
                    )
                time.sleep(_WAIT_SLICE_S)
        return outcomes

    def _reconcile(
        self,
        taken: dict[AdmissionKey, dict[str, object]],
        by_key: dict[AdmissionKey, Admissible],
        receipt_ids: dict[AdmissionKey, str],
    ) -> dict[AdmissionKey, Outcome]:
        if not taken:
            return {}
        with self._lock:
            self._active.update(taken)
        try:
            groups: dict[tuple[str, int], list[AdmissionKey]] = {}
            for key, row in taken.items():
                groups.setdefault((str(row["topic"]), int(str(row["partition"]))), []).append(key)
            placed: dict[AdmissionKey, BusRef] = {}
            for (topic, partition), keys in sorted(groups.items()):
                placed.update(self._scan(topic, partition, keys, taken))
            epochs = {key: int(str(row["claim_epoch"])) for key, row in taken.items()}
            outcomes = self._confirm(placed, epochs, receipt_ids)
            missing = [by_key[key] for key in taken if key not in placed]
            partitions = {key: int(str(taken[key]["partition"])) for key in taken}
            outcomes.update(self._publish(missing, partitions, epochs, receipt_ids))
            return outcomes
        finally:
            with self._lock:
                self._active.difference_update(taken)

    def _scan(
        self,
        topic: str,
        partition: int,
        keys: list[AdmissionKey],
        rows: dict[AdmissionKey, dict[str, object]],
    ) -> dict[AdmissionKey, BusRef]:
        wanted = {(key[0], key[2]): key for key in keys}
        found: dict[AdmissionKey, BusRef] = {}

        def match(message: BusMessage) -> bool:
            event_id = message.headers.get(EVENT_ID_HEADER, b"").decode("ascii", "replace")
            run_id = message.headers.get("platform_run_id", b"").decode("ascii", "replace")
            key = wanted.get((run_id, event_id))
            if key is not None and key not in found:
                found[key] = BusRef(topic, partition, message.offset)
            return len(found) == len(wanted)

        start = min(int(str(rows[key]["scan_from"])) for key in keys)
        self._reader.find(topic, partition, start, match, idle_s=self._settings.reconcile_idle_s)
        return found
