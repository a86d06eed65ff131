"""Sort-key facts: min/max, nulls refused, and the never-decreasing check across batches."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort.closure.keys import KeyTracker, batch_is_ordered, batch_key_range


def _batch(**columns: list[object]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(columns)


def test_single_key_order_and_ties() -> None:
    assert batch_is_ordered(_batch(ts=["a", "a", "b", "c"]), ["ts"], None)
    assert not batch_is_ordered(_batch(ts=["a", "c", "b"]), ["ts"], None)
    assert batch_is_ordered(_batch(ts=["b"]), ["ts"], ("a",))
    assert not batch_is_ordered(_batch(ts=["a"]), ["ts"], ("b",))


def test_multi_key_order_is_lexicographic() -> None:
    ordered = _batch(flow_id=[1, 1, 2, 2], event_seq=[0, 5, 0, 0])
    assert batch_is_ordered(ordered, ["flow_id", "event_seq"], None)
    assert not batch_is_ordered(_batch(flow_id=[1, 1], event_seq=[5, 4]), ["flow_id", "event_seq"], None)
    assert batch_is_ordered(_batch(flow_id=[2], event_seq=[0]), ["flow_id", "event_seq"], (1, 9))
    assert not batch_is_ordered(_batch(flow_id=[1], event_seq=[3]), ["flow_id", "event_seq"], (1, 4))


def test_key_range_is_the_lexicographic_min_and_max() -> None:
    batch = _batch(flow_id=[3, 1, 1, 3, 2], event_seq=[0, 9, 4, 7, 1])
    assert batch_key_range(batch, ["flow_id", "event_seq"]) == ((1, 4), (3, 7))


def test_null_keys_are_refused() -> None:
    with pytest.raises(FailClosed) as refused:
        batch_key_range(_batch(ts=["a", None]), ["ts"])
    assert refused.value.code == "STREAM_SORT_KEY_NULL"


def test_tracker_spans_batches() -> None:
    tracker = KeyTracker(["ts"], check_order=True)
    tracker.update(_batch(ts=["b", "c"]))
    tracker.update(_batch(ts=["c", "d"]))
    assert tracker.ordered and tracker.minimum == ("b",) and tracker.maximum == ("d",)
    tracker.update(_batch(ts=["a"]))
    assert not tracker.ordered and tracker.first_disorder == 4 and tracker.minimum == ("a",)


def test_tracker_without_order_check_only_ranges() -> None:
    tracker = KeyTracker(["ts"], check_order=False)
    tracker.update(_batch(ts=["z", "a"]))
    assert tracker.ordered and tracker.minimum == ("a",) and tracker.maximum == ("z",)
