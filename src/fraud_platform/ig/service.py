"""One ingest request, end to end: check every event, dedupe and publish the admissible ones, file receipts.

The HTTP layer hands over decoded JSON events; this module returns the decisions in request order.
A bad event never fails the batch: it is a QUARANTINE decision with its reason. Within one batch the
first occurrence of a dedupe key is the one decided; a later copy with the same payload hash is its
DUPLICATE (citing the same EB reference), one with another hash is PAYLOAD_HASH_MISMATCH.
Receipts and quarantine objects are written after the decisions and before the answer: a request
answered 200 has its receipts filed. Anything unreachable raises TransientError (HTTP 503); a retry
converges because dedupe state, not the request, decides.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.eb.envelope import Decision
from fraud_platform.ig._reasons import PAYLOAD_HASH_MISMATCH
from fraud_platform.ig.admission import Admissible, Rejected, check_event
from fraud_platform.ig.governance import IgGovernance
from fraud_platform.ig.jsonbytes import decoded_json_bytes
from fraud_platform.ig.metrics import IgMetrics
from fraud_platform.ig.publish import BusRef, Outcome, Publisher
from fraud_platform.ig.readiness import ReadyBook
from fraud_platform.ig.receipts import ReceiptLine, receipt_id_for, write_batch_objects
from fraud_platform.ig.run_telemetry import RunTelemetry
from fraud_platform.ig.settings import IgSettings
from fraud_platform.obs.evidence import validate_platform_run_id
from fraud_platform.obs.logging import log_event
from fraud_platform.substrate.objectstore.port import ObjectStore
from fraud_platform.substrate.state.ig_tables import AdmissionKey
from fraud_platform.substrate.state.tables import StateEngine

__all__ = ["IngestAnswer", "IngestService"]

_LOG = logging.getLogger("fraud_platform.ig")


def _is_run_id(value: str) -> bool:
    """Whether facts may name this run (a quarantined event may carry any well-patterned id)."""
    try:
        validate_platform_run_id(value)
    except FailClosed:
        return False
    return True


class IngestAnswer(NamedTuple):
    """A batch's answer: the `IngestBatchResponse` of the API as the JSON objects it is sent as.

    Built as plain objects and encoded once: validating 500 decision models cost IG ~19 µs an event
    in the server (measured with `thread_time` around it during `make bench BENCH=stream`), more than
    deciding some of them. A unit test holds the bytes to the `IngestBatchResponse` model, and WSP
    validates every answer it receives.
    """

    batch_id: str
    decisions: list[dict[str, Any]]

    def json_bytes(self) -> bytes:
        """The 200 body of `POST /v1/ingest/batch` (cj1; an id with a lone surrogate is escaped, not a 500)."""
        return decoded_json_bytes({"batch_id": self.batch_id, "decisions": self.decisions}, finite=True)

    def decision_json_bytes(self, position: int) -> bytes:
        """The 200 body of `POST /v1/ingest/event`: the one decision."""
        return decoded_json_bytes(self.decisions[position], finite=True)


@dataclass
class _Slot:
    """The state of one request position while the batch is decided."""

    raw: Any
    receipt_id: str
    checked: Admissible | Rejected
    outcome: Outcome | None = None


def _ref_fields(ref: BusRef | None) -> dict[str, Any] | None:
    """The EbRef JSON object of receipts and answers (None where the decision has no bus record)."""
    return None if ref is None else ref.as_json()


def _answer_decision(receipt: dict[str, Any]) -> dict[str, Any]:
    """The answer's `EventDecision` of one receipt: the same facts, in the API's shape (an event
    without a string id is answered with an empty one; its receipt keeps null)."""
    return {
        "event_id": receipt["event_id"] or "",
        "decision": receipt["decision"],
        "reason_code": receipt["reason_code"],
        "receipt_id": receipt["receipt_id"],
        "eb_ref": receipt["eb_ref"],
    }


def _field(raw: Any, name: str) -> str | None:
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


class IngestService:
    """Decides ingest batches; one per IG process, safe to call from several threads."""

    def __init__(
        self,
        *,
        store: ObjectStore,
        engine: StateEngine,
        bucket: str,
        ready: ReadyBook,
        publisher: Publisher,
        settings: IgSettings,
        metrics: IgMetrics,
        clock: Clock,
        governance: IgGovernance | None = None,
        telemetry: RunTelemetry | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.bucket = bucket
        self._ready = ready
        self._publisher = publisher
        self.settings = settings
        self.metrics = metrics
        self._clock = clock
        self.governance = governance
        self.telemetry = telemetry

    @property
    def clock(self) -> Clock:
        """The injected clock: the HTTP layer stamps a request's arrival with its `monotonic()`."""
        return self._clock

    def ingest(
        self, raw_events: Sequence[Any], principal: str, *, arrived: float | None = None
    ) -> IngestAnswer:
        """Decide every event of one request; decisions in request order.

        `arrived` is the clock's `monotonic()` when the request body had been read (before it was
        decoded), so every receipt's `admission_ms` covers decoding, the checks, the publish and its
        confirm: IG's own time on the batch, not the network's. None starts the count here.
        """
        started = self._clock.monotonic() if arrived is None else arrived
        batch_id = secrets.token_hex(16)
        self.metrics.received.inc(len(raw_events))
        self.metrics.batch_size.observe(len(raw_events))
        slots = [
            _Slot(
                raw,
                receipt_id_for(batch_id, position),
                check_event(raw, self._ready, max_event_bytes=self.settings.max_event_bytes),
            )
            for position, raw in enumerate(raw_events)
        ]
        leaders: dict[AdmissionKey, _Slot] = {}
        for slot in slots:
            if isinstance(slot.checked, Admissible):
                leaders.setdefault(slot.checked.key, slot)
        outcomes = self._publisher.admit(
            [slot.checked for slot in leaders.values() if isinstance(slot.checked, Admissible)],
            {key: slot.receipt_id for key, slot in leaders.items()},
        )
        for slot in slots:
            slot.outcome = self._decide(slot, leaders, outcomes)
        received_at = format_utc(self._clock.now())
        admission_ms = round((self._clock.monotonic() - started) * 1000, 3)
        lines = [
            self._receipt(batch_id, position, slot, principal, received_at, admission_ms)
            for position, slot in enumerate(slots)
        ]
        written = write_batch_objects(self.store, self.engine, self.bucket, batch_id, lines)
        if self.telemetry is not None:
            self._count_writes(written)
        decisions = [_answer_decision(line.receipt) for line in lines]
        self._count(slots)
        self._log(batch_id, slots)
        if self.governance is not None:
            self._govern(batch_id, slots)
        return IngestAnswer(batch_id, decisions)

    @staticmethod
    def _decide(
        slot: _Slot, leaders: dict[AdmissionKey, _Slot], outcomes: dict[AdmissionKey, Outcome]
    ) -> Outcome:
        checked = slot.checked
        if isinstance(checked, Rejected):
            return Outcome(Decision.QUARANTINE, None, checked.code, checked.detail)
        leader = leaders[checked.key]
        outcome = outcomes[checked.key]
        if leader is slot:
            return outcome
        leader_checked = leader.checked
        if isinstance(leader_checked, Admissible) and leader_checked.payload_hash != checked.payload_hash:
            return Outcome(
                Decision.QUARANTINE,
                None,
                PAYLOAD_HASH_MISMATCH,
                "an earlier event of this batch has this id with other content",
            )
        if outcome.decision is Decision.QUARANTINE:
            return outcome
        return Outcome(Decision.DUPLICATE, outcome.eb_ref)

    @staticmethod
    def _receipt(
        batch_id: str, position: int, slot: _Slot, principal: str, received_at: str, admission_ms: float
    ) -> ReceiptLine:
        outcome = slot.outcome
        assert outcome is not None  # set for every slot by `ingest` before receipts are built
        checked = slot.checked
        admissible = checked if isinstance(checked, Admissible) else None
        receipt: dict[str, Any] = {
            "receipt_id": slot.receipt_id,
            "batch_id": batch_id,
            "position": position,
            "event_id": admissible.envelope.event_id if admissible else _field(slot.raw, "event_id"),
            "event_type": admissible.envelope.event_type if admissible else _field(slot.raw, "event_type"),
            "event_class": admissible.route.event_class if admissible else None,
            "platform_run_id": _field(slot.raw, "platform_run_id"),
            "scenario_run_id": _field(slot.raw, "scenario_run_id"),
            "decision": outcome.decision.value,
            "reason_code": None if outcome.reason_code is None else str(outcome.reason_code),
            "detail": outcome.detail,
            "eb_ref": _ref_fields(outcome.eb_ref),
            "payload_hash": admissible.payload_hash if admissible else None,
            "principal": principal,
            "received_at_utc": received_at,
            "admission_ms": admission_ms,
        }
        return ReceiptLine(
            receipt=receipt,
            platform_run_id=receipt["platform_run_id"],
            raw_event=slot.raw,
            quarantined=outcome.decision is Decision.QUARANTINE,
        )

    def _count_writes(self, written: dict[str, list[int]]) -> None:
        """Attribute the batch's objects to runs this process found READY (never to unknown run ids)."""
        assert self.telemetry is not None  # checked by the caller
        for platform_run_id, sizes in sorted(written.items()):
            if self._ready.is_ready(platform_run_id):
                for size in sizes:
                    self.telemetry.put(platform_run_id, size)

    def _count(self, slots: Sequence[_Slot]) -> None:
        """Add the batch's decisions to the counters, one increment per counter (and reason)."""
        admitted = duplicate = 0
        quarantined: dict[str, int] = {}
        for slot in slots:
            outcome = slot.outcome
            assert outcome is not None  # set for every slot by `ingest`
            if outcome.decision is Decision.ADMIT:
                admitted += 1
            elif outcome.decision is Decision.DUPLICATE:
                duplicate += 1
            else:
                reason = str(outcome.reason_code) if outcome.reason_code is not None else ""
                quarantined[reason] = quarantined.get(reason, 0) + 1
        if admitted:
            self.metrics.admitted.inc(admitted)
        if duplicate:
            self.metrics.duplicate.inc(duplicate)
        for reason, count in sorted(quarantined.items()):
            self.metrics.quarantined.labels(reason=reason).inc(count)

    def _govern(self, batch_id: str, slots: Sequence[_Slot]) -> None:
        admitted: set[str] = set()
        quarantined: dict[str, dict[str, int]] = {}
        for slot in slots:
            outcome, checked = slot.outcome, slot.checked
            if outcome is None:
                continue
            if outcome.decision is Decision.ADMIT:
                if isinstance(checked, Admissible):
                    admitted.add(checked.envelope.platform_run_id)
                continue
            if outcome.decision is not Decision.QUARANTINE:
                continue
            run = _field(slot.raw, "platform_run_id")
            if run is not None and _is_run_id(run):
                reasons = quarantined.setdefault(run, {})
                code = str(outcome.reason_code)
                reasons[code] = reasons.get(code, 0) + 1
        assert self.governance is not None  # checked by the caller
        self.governance.batch_done(admitted, quarantined, batch_id)

    @staticmethod
    def _log(batch_id: str, slots: Sequence[_Slot]) -> None:
        runs: dict[tuple[str | None, str | None], dict[str, int]] = {}
        for slot in slots:
            outcome, checked = slot.outcome, slot.checked
            if outcome is None:
                continue
            key: tuple[str | None, str | None]
            if isinstance(checked, Admissible):
                key = (checked.envelope.platform_run_id, checked.envelope.scenario_run_id)
            else:
                key = (_field(slot.raw, "platform_run_id"), _field(slot.raw, "scenario_run_id"))
            counts = runs.setdefault(key, {})
            name = str(outcome.decision)
            counts[name] = counts.get(name, 0) + 1
        for (platform_run_id, scenario_run_id), counts in sorted(runs.items(), key=lambda item: str(item[0])):
            log_event(
                _LOG,
                "ig_batch_decided",
                batch_id=batch_id,
                platform_run_id=platform_run_id,
                scenario_run_id=scenario_run_id,
                **{name.lower(): count for name, count in sorted(counts.items())},
            )
