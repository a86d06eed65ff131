"""IG's admission tables on a real SQLite file: claims are exclusive, take-overs need expiry, confirms are fenced."""

from __future__ import annotations

from pathlib import Path

from fraud_platform.substrate.state import open_state_engine
from fraud_platform.substrate.state.ig_tables import (
    ADMITTED,
    IN_FLIGHT,
    ClaimRequest,
    Confirmed,
    ReceiptObjectRow,
    admission_rows,
    claim_batch,
    confirm_batch,
    ensure_ig_tables,
    events_by_id,
    index_receipt_objects,
    partition_marks,
    receipt_objects,
    take_over_claim,
)

_RUN = "platform_20260101T000000Z"


def _requests(n: int, payload_hash: str = "a" * 64) -> list[ClaimRequest]:
    return [
        ClaimRequest((_RUN, "traffic_baseline", f"{i:064x}"), payload_hash, "topic.t", i % 2, 0)
        for i in range(n)
    ]


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_state_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    ensure_ig_tables(engine)
    return engine


def test_a_key_is_claimed_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    inserted, rows = claim_batch(engine, _requests(5), holder="ig-a", expires_us=1_000)
    assert len(inserted) == 5 and {row["holder"] for row in rows.values()} == {"ig-a"}
    again, rows_b = claim_batch(engine, _requests(7), holder="ig-b", expires_us=2_000)
    assert len(again) == 2  # only the two new keys
    assert sorted(row["holder"] for row in rows_b.values()) == ["ig-a"] * 5 + ["ig-b"] * 2
    assert {row["state"] for row in rows_b.values()} == {IN_FLIGHT}


def test_take_over_only_after_expiry_and_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    key = _requests(1)[0].key
    claim_batch(engine, _requests(1), holder="ig-a", expires_us=1_000)
    assert not take_over_claim(engine, key, old_epoch=1, holder="ig-b", now_us=999, expires_us=5_000)
    assert take_over_claim(engine, key, old_epoch=1, holder="ig-b", now_us=1_000, expires_us=5_000)
    assert not take_over_claim(engine, key, old_epoch=1, holder="ig-c", now_us=9_000, expires_us=9_999)
    row = admission_rows(engine, [key])[key]
    assert (row["holder"], row["claim_epoch"]) == ("ig-b", 2)


def test_confirm_is_fenced_by_holder_and_epoch(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    keys = [request.key for request in _requests(3)]
    claim_batch(engine, _requests(3), holder="ig-a", expires_us=1_000)
    assert take_over_claim(engine, keys[0], old_epoch=1, holder="ig-b", now_us=2_000, expires_us=9_000)
    stale = [Confirmed(key, "ig-a", 1, 10 + n, f"r{n}") for n, key in enumerate(keys)]
    moved = confirm_batch(engine, stale)
    assert moved == set(keys[1:])  # the taken-over key is no longer ig-a's to confirm
    rows = admission_rows(engine, keys)
    assert rows[keys[0]]["state"] == IN_FLIGHT
    assert [rows[key]["offset"] for key in keys[1:]] == [11, 12]
    assert confirm_batch(engine, [Confirmed(keys[0], "ig-b", 2, 40, "r9")]) == {keys[0]}
    assert admission_rows(engine, keys)[keys[0]]["state"] == ADMITTED
    assert partition_marks(engine, [("topic.t", 0), ("topic.t", 1), ("topic.t", 5)]) == {
        ("topic.t", 0): 41,
        ("topic.t", 1): 12,
        ("topic.t", 5): 0,
    }
    assert [row["state"] for row in events_by_id(engine, _RUN, keys[0][2])] == [ADMITTED]


def test_a_claim_over_several_statement_chunks_reports_exactly_the_inserted_keys(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    every = _requests(260)
    first, _ = claim_batch(engine, every[50:180:3], holder="ig-a", expires_us=1_000)
    inserted, rows = claim_batch(engine, every, holder="ig-b", expires_us=2_000)
    assert inserted == {request.key for request in every} - first
    assert len(rows) == 260
    assert {key for key, row in rows.items() if row["holder"] == "ig-a"} == first
    stored = admission_rows(engine, [request.key for request in every])
    assert {
        key: (row["holder"], row["claim_epoch"], row["claim_expires_us"]) for key, row in stored.items()
    } == {key: (row["holder"], row["claim_epoch"], row["claim_expires_us"]) for key, row in rows.items()}


def test_a_confirm_without_places_reads_back_and_raises_the_marks(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    keys = [request.key for request in _requests(4)]
    claim_batch(engine, _requests(4), holder="ig-a", expires_us=1_000)
    moved = confirm_batch(engine, [Confirmed(key, "ig-a", 1, 100 + n, f"r{n}") for n, key in enumerate(keys)])
    assert moved == set(keys)
    assert partition_marks(engine, [("topic.t", 0), ("topic.t", 1)]) == {
        ("topic.t", 0): 103,
        ("topic.t", 1): 104,
    }
    assert confirm_batch(engine, [Confirmed(keys[0], "ig-a", 1, 7, "r0", ("topic.t", 0))]) == set()
    assert partition_marks(engine, [("topic.t", 0)]) == {("topic.t", 0): 103}  # marks never go down


def test_receipt_objects_are_found_by_batch_and_kept_on_repeat(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    rows = [
        ReceiptObjectRow("b" * 32, f"fraud-platform/{folder}/ig/receipts/{'b' * 32}.ndjson", folder, lines)
        for folder, lines in ((_RUN, 3), ("_unattributed", 1))
    ]
    index_receipt_objects(engine, rows)
    index_receipt_objects(engine, [rows[0]._replace(lines=99)])
    assert receipt_objects(engine, "b" * 32) == sorted(rows, key=lambda row: row.object_key)
    assert receipt_objects(engine, "c" * 32) == []
