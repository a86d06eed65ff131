"""IG's receipts in process: every receipt of a batch carries `admission_ms` (IG's time on the batch,
from the body's arrival to the decision, read from the injected clock, so no sleeping), and every
receipt id leads back to its line through the per-object index, also when a batch spans run folders."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock
from fraud_platform.eb.envelope import (
    ROUTES,
    Decision,
    Envelope,
    EventDecision,
    IngestBatchResponse,
    event_id_for,
)
from fraud_platform.ig import service as service_module
from fraud_platform.ig._reasons import ENVELOPE_INVALID, IG_RECEIPT_UNKNOWN
from fraud_platform.ig.admission import Admissible, Rejected
from fraud_platform.ig.metrics import IgMetrics
from fraud_platform.ig.publish import BusRef, Outcome
from fraud_platform.ig.queries import receipt_document
from fraud_platform.ig.readiness import ReadyBook
from fraud_platform.ig.service import IngestService
from fraud_platform.ig.settings import IgSettings
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate.objectstore.port import ObjectInfo, PutOutcome, S3Location
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.substrate.state.ig_tables import AdmissionKey, ensure_ig_tables

_RUN = "platform_20261203T080000Z"
_SCENARIO_RUN = "b" * 32
_BASELINE = "s2_event_stream_baseline_6B"
_WORLD = WorldKey(manifest_fingerprint="c" * 64, parameter_hash="d" * 64, seed=7, scenario_id="baseline_v1")
_PUBLISH_S = 0.0123456


class _MemoryStore:
    """The part of the object store port IG's receipts use, in memory."""

    role = "ig"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_if_absent(self, location: S3Location, data: bytes, **_: Any) -> PutOutcome:
        self.objects.setdefault(location.uri, data)
        return PutOutcome.CREATED

    def get(self, location: S3Location) -> bytes:
        return self.objects[location.uri]

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        for uri in sorted(self.objects):
            if uri.startswith(prefix.uri):
                key = S3Location.parse(uri).key
                yield ObjectInfo(key=key, size=len(self.objects[uri]), etag="x")


class _Publisher:
    """Admits every event, taking `_PUBLISH_S` of the clock's time as a confirmed publish would."""

    def __init__(self, clock: FixedClock) -> None:
        self._clock = clock

    def admit(
        self, events: Sequence[Admissible], receipt_ids: Mapping[AdmissionKey, str]
    ) -> dict[AdmissionKey, Outcome]:
        self._clock.advance(_PUBLISH_S)
        return {
            event.key: Outcome(Decision.ADMIT, BusRef(event.route.topic, 0, offset))
            for offset, event in enumerate(events)
        }


def _check(raw: object, _ready: object, *, max_event_bytes: int) -> Admissible | Rejected:
    """Admission's verdict without a READY lookup: envelopes pass, anything else is quarantined."""
    if not isinstance(raw, dict) or set(raw) == {"event_id"}:
        return Rejected(ENVELOPE_INVALID, "not an envelope")
    envelope = Envelope.model_validate(raw)
    route = ROUTES[envelope.event_type]
    key = (envelope.platform_run_id, route.event_class, envelope.event_id)
    return Admissible(envelope, route, b"{}", "e" * 64, b"1", key)


def _event(flow_id: int) -> dict[str, Any]:
    return {
        "event_id": event_id_for(_BASELINE, [flow_id, 0], _WORLD),
        "event_type": _BASELINE,
        "schema_version": "v1",
        "ts_utc": None,
        "platform_run_id": _RUN,
        "scenario_run_id": _SCENARIO_RUN,
        "manifest_fingerprint": _WORLD.manifest_fingerprint,
        "parameter_hash": _WORLD.parameter_hash,
        "seed": _WORLD.seed,
        "scenario_id": _WORLD.scenario_id,
        "producer": "unit",
        "payload": {"flow_id": flow_id},
    }


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[IngestService, _MemoryStore, FixedClock]:
    monkeypatch.setattr(service_module, "check_event", _check)
    clock = FixedClock(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    store = _MemoryStore()
    engine = open_state_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    ensure_ig_tables(engine)
    service = IngestService(
        store=store,  # type: ignore[arg-type]  # the receipts' slice of the port
        engine=engine,
        bucket="fp-object-store",
        ready=ReadyBook(store, "fp-object-store", clock),  # type: ignore[arg-type]
        publisher=_Publisher(clock),  # type: ignore[arg-type]
        settings=IgSettings(),
        metrics=IgMetrics(),
        clock=clock,
    )
    return service, store, clock


def _receipts(store: _MemoryStore) -> list[dict[str, Any]]:
    return [
        parse_json_bytes(line)
        for uri, body in sorted(store.objects.items())
        if "/ig/receipts/" in uri
        for line in body.splitlines()
    ]


def test_every_receipt_of_a_batch_carries_the_batch_admission_time(
    site: tuple[IngestService, _MemoryStore, FixedClock],
) -> None:
    service, store, clock = site
    arrived = clock.monotonic()
    clock.advance(0.5)  # decoding the body, before `ingest` is called
    service.ingest([_event(1), _event(2), "not an envelope", _event(1)], "wsp", arrived=arrived)
    receipts = _receipts(store)
    assert sorted(r["decision"] for r in receipts) == ["ADMIT", "ADMIT", "DUPLICATE", "QUARANTINE"]
    assert {r["admission_ms"] for r in receipts} == {512.346}  # 500 ms + the publish, 3 decimals
    assert all(r["received_at_utc"] == "2026-12-03T08:00:00.512346Z" for r in receipts)


def test_without_an_arrival_time_the_count_starts_at_ingest(
    site: tuple[IngestService, _MemoryStore, FixedClock],
) -> None:
    service, store, clock = site
    clock.advance(3.0)
    service.ingest([_event(5)], "wsp")
    (receipt,) = _receipts(store)
    assert receipt["admission_ms"] == 12.346
    assert isinstance(receipt["admission_ms"], float)


def test_every_receipt_id_finds_its_line_also_across_run_folders(
    site: tuple[IngestService, _MemoryStore, FixedClock],
) -> None:
    service, store, _clock = site
    answer = service.ingest([_event(1), "not an envelope", _event(2), ["nor is this"]], "wsp")
    folders = sorted({uri.split("/")[4] for uri in store.objects if "/ig/receipts/" in uri})
    assert folders == ["_unattributed", _RUN]  # one batch, two receipts objects
    for position, decision in enumerate(answer.decisions):
        assert decision["receipt_id"].startswith(answer.batch_id)
        receipt = receipt_document(service, decision["receipt_id"])
        assert (receipt["receipt_id"], receipt["position"]) == (decision["receipt_id"], position)
        assert receipt["decision"] == decision["decision"]
    alone = service.ingest([_event(3)], "wsp")
    assert receipt_document(service, alone.decisions[0]["receipt_id"])["event_id"] == _event(3)["event_id"]
    unknown = [
        answer.batch_id + "00000009",  # a position the batch does not have
        "0" * 40,  # a batch IG never indexed
        answer.decisions[0]["receipt_id"][:32],  # the shape of an older receipt id
        "../" + "a" * 37,
    ]
    for receipt_id in unknown:
        with pytest.raises(FailClosed) as refused:
            receipt_document(service, receipt_id)
        assert refused.value.code == IG_RECEIPT_UNKNOWN


def test_the_answer_is_an_ingest_batch_response_also_for_an_id_utf8_cannot_carry(
    site: tuple[IngestService, _MemoryStore, FixedClock],
) -> None:
    service, _store, _clock = site
    plain = service.ingest([_event(1), _event(1)], "wsp")
    assert (
        IngestBatchResponse.model_validate_json(plain.json_bytes()).decisions[1].decision
        is Decision.DUPLICATE
    )
    answer = service.ingest([_event(1), {"event_id": "\ud800"}, _event(1)], "wsp")
    # JSON may escape a lone surrogate (pydantic's own JSON parser refuses one, the stdlib reads it).
    parsed = IngestBatchResponse.model_validate(json.loads(answer.json_bytes()))
    assert parsed.batch_id == answer.batch_id
    assert [d.model_dump(mode="json") for d in parsed.decisions] == answer.decisions
    assert [d.decision for d in parsed.decisions] == [Decision.ADMIT, Decision.QUARANTINE, Decision.DUPLICATE]
    assert parsed.decisions[1].event_id == "\ud800"  # escaped in the body, not a failed answer
    single = EventDecision.model_validate_json(answer.decision_json_bytes(0))
    assert single.model_dump(mode="json") == answer.decisions[0]
