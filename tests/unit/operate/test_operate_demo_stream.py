"""The demo's stream leg reconciles WSP's counts with the topics, and each demo run gets its own SR key."""

from __future__ import annotations

import pytest

from fraud_platform.operate.demo_stream import OutputCount
from fraud_platform.operate.demo_world import _run_key

_TOPIC = "fp.bus.traffic.baseline.v1"


def _count(**changes: int) -> OutputCount:
    fields = {
        "sent": 200,
        "admitted": 190,
        "duplicate": 6,
        "quarantined": 4,
        "on_topic": 190,
        "distinct": 190,
    }
    fields.update(changes)
    return OutputCount(
        "s2_event_stream_baseline_6B",
        _TOPIC,
        fields["sent"],
        fields["admitted"],
        fields["duplicate"],
        fields["quarantined"],
        fields["on_topic"],
        fields["distinct"],
    )


def test_counts_that_reconcile_have_no_problem() -> None:
    assert _count().problems == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sent": 201}, "sent 201 != admitted 190 + duplicate 6 + quarantined 4"),
        ({"on_topic": 189, "distinct": 189}, f"189 record(s) on {_TOPIC}, 190 admitted"),
        ({"on_topic": 191, "distinct": 191}, f"191 record(s) on {_TOPIC}, 190 admitted"),
        ({"distinct": 189}, f"1 second copies on {_TOPIC}"),
    ],
)
def test_each_way_the_counts_can_disagree_is_a_problem(changes: dict[str, int], expected: str) -> None:
    assert _count(**changes).problems == [expected]


def test_every_demo_run_has_its_own_sr_run_key_for_the_same_world() -> None:
    # SR binds a run key to the platform run that used it first: a key shared by two demo runs in one
    # FP_HOME (same seed, same world) made the second demo fail with PLATFORM_RUN_MISMATCH.
    first = _run_key("platform_20261203T080000Z", "ab" * 16)
    second = _run_key("platform_20261203T080100Z", "ab" * 16)
    assert first != second
    assert _run_key("platform_20261203T080000Z", "ab" * 16) == first  # a rerun of one demo converges
