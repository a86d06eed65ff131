"""The lane reads IG's ADMIT receipts into times and admission latencies per output, and keeps the
latencies (a measurement, different on every run) out of the byte-compared statement files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.operate._reasons import STATEMENT_UNPROVEN
from fraud_platform.operate.lane.judge import DOWNSTREAM_PARITY
from fraud_platform.operate.lane.proof import LaneProof
from fraud_platform.operate.lane.sample import admitted_receipts
from fraud_platform.substrate.objectstore.port import ObjectInfo, S3Location

_RUN = "platform_20261203T080000Z"
_BUCKET = "fp-object-store"


class _Receipts:
    """An object store holding receipt objects only (what `admitted_receipts` lists and reads)."""

    def __init__(self, objects: dict[str, list[dict[str, Any]]]) -> None:
        self._objects = {
            f"fraud-platform/{_RUN}/ig/receipts/{batch}.ndjson": b"".join(
                json.dumps(line).encode() + b"\n" for line in lines
            )
            for batch, lines in objects.items()
        }

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        for key in sorted(self._objects):
            if key.startswith(prefix.key):
                yield ObjectInfo(key=key, size=len(self._objects[key]), etag="x")

    def get(self, location: S3Location) -> bytes:
        return self._objects[location.key]


def _receipt(event_id: str, decision: str = "ADMIT", **extra: Any) -> dict[str, Any]:
    return {
        "receipt_id": f"r-{event_id}",
        "event_id": event_id,
        "event_type": "arrival_events_5B",
        "decision": decision,
        "received_at_utc": "2026-12-03T08:00:01.000000Z",
        **extra,
    }


def test_latencies_are_collected_from_admit_receipts_and_never_invented_for_old_ones() -> None:
    store = _Receipts(
        {
            "a": [_receipt("e1", admission_ms=12.5), _receipt("e2", admission_ms=12.5)],
            "b": [_receipt("e3"), _receipt("e1", "DUPLICATE", admission_ms=3.0)],
            "c": [_receipt("e4", admission_ms=7)],
        }
    )
    admitted = admitted_receipts(store, _BUCKET, _RUN)  # type: ignore[arg-type]  # list/get only
    assert admitted.event_ids == {"arrival_events_5B": {"e1", "e2", "e3", "e4"}}
    assert len(admitted.times["arrival_events_5B"]) == 4
    assert admitted.latencies_ms == {"arrival_events_5B": [12.5, 12.5, 7.0]}


@pytest.mark.parametrize("bad", [-1.0, "12", True, [1]])
def test_a_receipt_whose_admission_ms_is_no_duration_is_refused(bad: object) -> None:
    store = _Receipts({"a": [_receipt("e1", admission_ms=bad)]})
    with pytest.raises(FailClosed) as caught:
        admitted_receipts(store, _BUCKET, _RUN)  # type: ignore[arg-type]
    assert caught.value.code == STATEMENT_UNPROVEN


def test_latencies_reach_the_proof_but_not_its_statement_files() -> None:
    document = {"platform_run_id": _RUN, "outputs": {}}
    moment = datetime(2026, 12, 3, 8, 0, 1, tzinfo=UTC)
    with_latencies = LaneProof(
        {DOWNSTREAM_PARITY: document}, {"arrival_events_5B": [moment]}, {"arrival_events_5B": [9.25]}
    )
    measured_again = LaneProof(
        {DOWNSTREAM_PARITY: document}, {"arrival_events_5B": [moment]}, {"arrival_events_5B": [30.0]}
    )
    assert with_latencies.admission_ms == {"arrival_events_5B": [9.25]}
    assert with_latencies.file_bytes(DOWNSTREAM_PARITY) == measured_again.file_bytes(DOWNSTREAM_PARITY)
    assert with_latencies.file_bytes(DOWNSTREAM_PARITY) == canonical_file_bytes(document)
