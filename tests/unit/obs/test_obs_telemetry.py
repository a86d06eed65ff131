"""Telemetry counters: deltas between cumulative snapshots and sums of parts."""

from __future__ import annotations

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.telemetry import counters_add, counters_delta


def test_delta_subtracts_leaves_and_drops_what_did_not_move() -> None:
    before = {
        "s3": {"operator": {"PutObject": {"requests": 2, "bytes_sent": 100}}},
        "totals": {"s3_requests": 2},
    }
    after = {
        "s3": {
            "operator": {"PutObject": {"requests": 5, "bytes_sent": 100}, "ListObjectsV2": {"requests": 1}}
        },
        "kafka": {"operator": {"fp.bus.audit.v1": {"produce": {"messages": 1, "bytes": 40}}}},
        "totals": {"s3_requests": 6},
    }
    assert counters_delta(after, before) == {
        "s3": {"operator": {"PutObject": {"requests": 3}, "ListObjectsV2": {"requests": 1}}},
        "kafka": {"operator": {"fp.bus.audit.v1": {"produce": {"messages": 1, "bytes": 40}}}},
        "totals": {"s3_requests": 4},
    }
    assert counters_delta(after, after) == {}


def test_parts_sum_back_to_the_whole() -> None:
    first = {"s3": {"operator": {"PutObject": {"requests": 2}}}}
    second = {"s3": {"operator": {"PutObject": {"requests": 5}, "GetObject": {"requests": 1}}}}
    third = {"s3": {"operator": {"PutObject": {"requests": 9}, "GetObject": {"requests": 1}}}}
    parts = [counters_delta(first, {}), counters_delta(second, first), counters_delta(third, second)]
    total: dict[str, object] = {}
    for part in parts:
        total = counters_add(total, part)
    assert total == third


@pytest.mark.parametrize(
    ("current", "previous"),
    [
        ({"a": 1}, {"a": 2}),
        ({"a": "x"}, {}),
        ({"a": True}, {}),
        ({"a": {"b": 1}}, {"a": 1}),
        ({"a": 1}, {"a": {"b": 1}}),
    ],
)
def test_bad_counters_fail_closed(current: dict[str, object], previous: dict[str, object]) -> None:
    with pytest.raises(FailClosed) as caught:
        counters_delta(current, previous)
    assert caught.value.code == "TELEMETRY_INVALID"
