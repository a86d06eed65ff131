"""The four statement rules on their evidence documents: each holds on good evidence and bites on a breach."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.operate.lane.judge import (
    judge_gates,
    judge_landed,
    judge_parity,
    judge_stream_closure,
    receipt_digest,
)
from fraud_platform.operate.lane.sample import HEAD_ROWS, RANDOM_ROWS, sample_rows

OUTPUT = "arrival_events_5B"
RUN = "platform_20261203T080000Z"
H1, H2 = "a" * 32, "b" * 32


def _landed() -> dict[str, Any]:
    return {
        "landing_manifest": {"root_digest": "c" * 64, "file_count": 12},
        "seal": {"seal_status": "SEALED_OK", "landing_root_digest": "c" * 64},
        "oracle_verify": {"ok": True, "code": "OK", "files": 12, "problems": []},
    }


def _side(ordered: bool) -> dict[str, Any]:
    return {
        "row_count": 30,
        "min": ["2026-01-01T00:00:00Z"],
        "max": ["2026-01-02T00:00:00Z"],
        "multiset_digest": H1,
        "ordered_digest": H2 if ordered else None,
        "keys_non_decreasing": True if ordered else None,
    }


def _closure() -> dict[str, Any]:
    part = {
        "name": "attempt=0123456789abcdef/part-000000.parquet",
        "rows": 30,
        "size": 900,
        "sha256": "d" * 64,
    }
    return {"views": {OUTPUT: {"raw": _side(False), "sorted": _side(True), "parts": [part]}}}


def _gates() -> dict[str, Any]:
    gates = load_catalogue().gates_for_outputs([OUTPUT])
    receipts = []
    for gate in gates:
        receipt = {"gate_id": gate.gate_id, "status": "PASS", "digest": None}
        receipts.append({"receipt": receipt, "receipt_sha256": receipt_digest(receipt)})
    return {"outputs": [OUTPUT], "receipts": receipts}


def _parity() -> dict[str, Any]:
    rows = sample_rows(RUN, OUTPUT, 20)
    sample = [{"row": row, "event_id": f"{row:064x}", "admitted": True} for row in rows]
    return {
        "cap": 20,
        "outputs": {OUTPUT: {"view_rows": 30, "admitted": 20, "on_topic": 20, "sample": sample}},
    }


def test_good_evidence_proves_every_statement() -> None:
    assert judge_landed(_landed()) == []
    assert judge_stream_closure(_closure()) == []
    assert judge_gates(_gates()) == []
    assert judge_parity(_parity()) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("oracle_verify", "ok"), False, "fp oracle verify did not pass"),
        (("oracle_verify", "files"), 11, "oracle verify read 11 files"),
        (("seal", "landing_root_digest"), "e" * 64, "is not the one the seal binds"),
        (("seal", "seal_status"), "SEALED_FAILED", "the seal says SEALED_FAILED"),
    ],
)
def test_landed_truth_fails_on_each_breach(path: tuple[str, str], value: Any, expected: str) -> None:
    doc = _landed()
    doc[path[0]][path[1]] = value
    assert any(expected in problem for problem in judge_landed(doc))


def test_closure_fails_when_raw_and_sorted_differ_or_keys_decrease() -> None:
    doc = _closure()
    doc["views"][OUTPUT]["sorted"]["multiset_digest"] = H2
    assert any("multiset digests differ" in p for p in judge_stream_closure(doc))
    doc = _closure()
    doc["views"][OUTPUT]["sorted"]["keys_non_decreasing"] = False
    assert any("sort keys decrease" in p for p in judge_stream_closure(doc))
    doc = _closure()
    del doc["views"][OUTPUT]["parts"]
    assert judge_stream_closure(doc) == [f"{OUTPUT}: the receipt facts are malformed (KeyError)"]
    assert judge_stream_closure({"views": {}}) == ["no streamed view is named"]


def test_gates_fail_on_a_forged_receipt_a_non_pass_or_a_missing_gate() -> None:
    doc = _gates()
    doc["receipts"][0]["receipt"]["digest"] = {"hex": "0" * 64}
    assert any("does not hash to its recorded sha256" in p for p in judge_gates(doc))
    doc = _gates()
    doc["receipts"][1]["receipt"]["status"] = "FAIL"
    doc["receipts"][1]["receipt_sha256"] = receipt_digest(doc["receipts"][1]["receipt"])
    assert any(p.endswith(": FAIL") for p in judge_gates(doc))
    doc = _gates()
    gone = doc["receipts"].pop()["receipt"]["gate_id"]
    assert judge_gates(doc) == [f"gates required but not recorded: {[gone]}"]


def test_parity_fails_on_a_short_admission_an_extra_copy_or_an_unadmitted_sample() -> None:
    doc = _parity()
    doc["outputs"][OUTPUT]["admitted"] = 19
    assert any("admitted 19 != min(cap 20, view rows 30)" in p for p in judge_parity(doc))
    doc = _parity()
    doc["outputs"][OUTPUT]["on_topic"] = 21
    assert any("21 on the topic" in p for p in judge_parity(doc))
    doc = _parity()
    doc["outputs"][OUTPUT]["sample"][2]["admitted"] = False
    assert judge_parity(doc) == [f"{OUTPUT}: sampled rows [2] have no admitted receipt"]
    doc = _parity()
    doc["outputs"][OUTPUT]["sample"] = []
    assert judge_parity(doc) == [f"{OUTPUT}: no event id was sampled"]


def test_the_sample_is_the_head_plus_seeded_draws_within_the_streamed_rows() -> None:
    rows = sample_rows(RUN, OUTPUT, 200)
    assert rows[:HEAD_ROWS] == list(range(HEAD_ROWS))
    drawn = rows[HEAD_ROWS:]
    assert len(drawn) == RANDOM_ROWS and drawn == sorted(drawn)
    assert all(HEAD_ROWS <= row < 200 for row in drawn)
    assert sample_rows(RUN, OUTPUT, 200) == rows
    assert sample_rows("platform_20261203T080001Z", OUTPUT, 200) != rows
    assert sample_rows(RUN, OUTPUT, 3) == [0, 1, 2]
    assert sample_rows(RUN, OUTPUT, 0) == []


def test_a_document_is_not_changed_by_judging_it() -> None:
    doc = _parity()
    before = copy.deepcopy(doc)
    judge_parity(doc)
    assert doc == before
