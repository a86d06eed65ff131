"""Identity and the closure rule: location-free view ids, binding checks, the proof's verdicts."""

from __future__ import annotations

import hashlib

import pytest

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.pack import WorldKey
from fraud_platform.oracle.sort.closure.receipt import (
    TIE_BREAKERS,
    DocumentRef,
    RowDigestSpec,
    SideSummary,
    SourceFileRef,
    StreamSortReceipt,
    ViewPart,
    closure_problems,
    compute_stream_view_id,
    parse_receipt,
    require_closure,
)

PACK = "a" * 64
WORLD = WorldKey(manifest_fingerprint="b" * 64, parameter_hash="c" * 64, seed=42, scenario_id="baseline_v1")
DIGEST = "d" * 64


def _side(rows: int = 10, *, ordered: bool | None = None, multiset: str = DIGEST) -> SideSummary:
    return SideSummary(
        row_count=rows,
        min=["2026-01-01T00:00:00.000000Z"],
        max=["2026-01-02T00:00:00.000000Z"],
        multiset_digest=multiset,
        ordered_digest=None if ordered is None else "e" * 64,
        keys_non_decreasing=ordered,
    )


def _parts(rows: int = 10) -> list[ViewPart]:
    return [
        ViewPart(name="attempt=0123456789abcdef/part-000000.parquet", rows=rows, size=100, sha256="f" * 64)
    ]


def test_stream_view_id_is_the_cj1_digest_and_names_no_location() -> None:
    view_id = compute_stream_view_id(PACK, "arrival_events_5B", ["ts_utc"])
    expected = hashlib.sha256(
        canonical_bytes({"oracle_pack_id": PACK, "output_id": "arrival_events_5B", "sort_keys": ["ts_utc"]})
    ).hexdigest()
    assert view_id == expected
    assert compute_stream_view_id(PACK, "arrival_events_5B", ("ts_utc",)) == view_id
    assert compute_stream_view_id(PACK, "s4_event_labels_6B", ["flow_id", "event_seq"]) != view_id
    assert compute_stream_view_id("0" * 64, "arrival_events_5B", ["ts_utc"]) != view_id


def test_closure_holds_for_equal_sides_in_order() -> None:
    assert closure_problems(_side(), _side(ordered=True), _parts()) == []
    require_closure("x", _side(), _side(ordered=True), _parts())


@pytest.mark.parametrize(
    ("raw", "ordered", "parts", "fragment"),
    [
        (_side(10), _side(9, ordered=True), _parts(9), "row_count"),
        (_side(), _side(ordered=True, multiset="0" * 64), _parts(), "multiset"),
        (_side(), _side(ordered=False), _parts(), "decrease"),
        (_side(), _side(ordered=True), _parts(11), "parts hold"),
    ],
)
def test_closure_failures_are_refused(
    raw: SideSummary, ordered: SideSummary, parts: list[ViewPart], fragment: str
) -> None:
    assert any(fragment in problem for problem in closure_problems(raw, ordered, parts))
    with pytest.raises(FailClosed) as refused:
        require_closure("x", raw, ordered, parts)
    assert refused.value.code == "STREAM_SORT_CLOSURE_FAILED"


def _receipt(**changes: object) -> StreamSortReceipt:
    fields: dict[str, object] = {
        "stream_view_id": compute_stream_view_id(PACK, "arrival_events_5B", ["ts_utc"]),
        "oracle_pack_id": PACK,
        "output_id": "arrival_events_5B",
        "world_key": WORLD,
        "sort_keys": ["ts_utc"],
        "tie_breakers": list(TIE_BREAKERS),
        "row_digest": RowDigestSpec.named("sha256"),
        "attempt_id": "0123456789abcdef",
        "manifest": DocumentRef(name="attempt=0123456789abcdef/_stream_view_manifest.json", sha256="1" * 64),
        "sources": [SourceFileRef(path="data/x/part-0.parquet", rows=10, sha256="2" * 64)],
        "raw": _side(),
        "sorted": _side(ordered=True),
        "parts": _parts(),
    }
    fields.update(changes)
    return StreamSortReceipt.model_validate(fields)


def test_receipt_round_trips_through_its_bytes() -> None:
    receipt = _receipt()
    md5 = _receipt(
        row_digest=RowDigestSpec.named("md5"),
        raw=_side(multiset="1" * 32),
        sorted=_side(ordered=True, multiset="1" * 32),
    )
    assert md5.row_digest.bits == 128 and parse_receipt(md5.to_bytes()) == md5
    assert parse_receipt(receipt.to_bytes()) == receipt
    assert receipt.to_bytes().endswith(b"}\n")
    assert receipt.binding_problems(PACK, "arrival_events_5B", ["ts_utc"]) == []


def test_receipt_bound_elsewhere_is_reported() -> None:
    receipt = _receipt()
    assert receipt.binding_problems("0" * 64, "arrival_events_5B", ["ts_utc"])
    assert receipt.binding_problems(PACK, "s2_event_stream_baseline_6B", ["ts_utc"])
    forged = _receipt(stream_view_id="9" * 64)
    assert any("recompute" in p for p in forged.binding_problems(PACK, "arrival_events_5B", ["ts_utc"]))


def test_malformed_receipt_is_a_conflict() -> None:
    with pytest.raises(FailClosed) as refused:
        parse_receipt(b'{"schema_version": "fp.oracle.stream_sort_receipt.v1"}\n')
    assert refused.value.code == "STREAM_SORT_CONFLICT"


def test_a_receipt_names_nothing_outside_its_own_attempt() -> None:
    assert _receipt().attempt_problems() == []
    legacy = _receipt(manifest=DocumentRef(name="_stream_view_manifest.json", sha256="1" * 64))
    assert any("manifest" in problem for problem in legacy.attempt_problems())
    other = "attempt=fedcba9876543210/part-000000.parquet"
    stray = _receipt(parts=[ViewPart(name=other, rows=10, size=100, sha256="f" * 64)])
    assert any(other in problem for problem in stray.attempt_problems())
