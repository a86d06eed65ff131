"""Reconciliation's arithmetic: three witnesses must agree per output, or the run fails with why."""

from __future__ import annotations

from collections import Counter

from fraud_platform.eb.envelope import ROUTES
from fraud_platform.obs.reconcile import BusRecord, ReceiptTally, WspCounts, read_bus_records, reconcile
from fraud_platform.substrate.bus.port import BusMessage

RUN = "platform_20261203T080000Z"
BASE = "s2_event_stream_baseline_6B"
TOPIC = ROUTES[BASE].topic


def _tally(admitted: int, duplicate: int = 0, quarantined: int = 0) -> ReceiptTally:
    return ReceiptTally(
        received=admitted + duplicate + quarantined,
        admitted=admitted,
        duplicate=duplicate,
        quarantined=quarantined,
        quarantine_reasons=Counter({"SCHEMA_INVALID": quarantined}) if quarantined else Counter(),
        eb_refs=[(TOPIC, i % 2, 10 + i) for i in range(admitted)],
    )


def _records(count: int, *, repeat: int = 0) -> list[BusRecord]:
    out = [BusRecord(TOPIC, i % 2, 10 + i, f"e{i}") for i in range(count)]
    return out + [BusRecord(TOPIC, 0, 100 + i, "e0") for i in range(repeat)]


def test_a_clean_run_passes_with_anchors_per_partition() -> None:
    result = reconcile(RUN, 3, {BASE: 5}, {BASE: WspCounts(3, 3, 0, 0)}, {BASE: _tally(3)}, _records(3))
    assert result.ok and result.verdict == "PASS"
    assert result.anchors == {
        TOPIC: {
            "0": {"first_offset": 10, "last_offset": 12, "records": 2},
            "1": {"first_offset": 11, "last_offset": 11, "records": 1},
        }
    }
    assert result.totals()["admitted"] == 3 and result.to_json()["verdict"] == "PASS"


def test_a_second_copy_on_the_bus_fails() -> None:
    result = reconcile(
        RUN, 3, {BASE: 5}, {BASE: WspCounts(3, 3, 0, 0)}, {BASE: _tally(3)}, _records(3, repeat=1)
    )
    assert result.verdict == "FAIL"
    assert result.problems == [
        f"{BASE}: 4 record(s) of this run on {TOPIC}, 3 admitted",
        f"{BASE}: 1 event id(s) on {TOPIC} more than once",
    ]


def test_sent_must_equal_received_and_admitted_must_reach_the_cap() -> None:
    result = reconcile(RUN, 4, {BASE: 9}, {BASE: WspCounts(4, 3, 0, 0)}, {BASE: _tally(3)}, _records(3))
    assert [p.split(":")[1].split()[0] for p in result.problems] == ["sent", "admitted"]


def test_quarantine_balances_and_waives_the_cap_check() -> None:
    wsp = {BASE: WspCounts(4, 3, 0, 1)}
    result = reconcile(RUN, 4, {BASE: 9}, wsp, {BASE: _tally(3, quarantined=1)}, _records(3))
    assert result.ok and result.outputs[0].quarantine_reasons == {"SCHEMA_INVALID": 1}


def test_an_output_outside_the_pack_check_is_a_problem_not_dropped() -> None:
    result = reconcile(RUN, 3, {}, {BASE: WspCounts(3, 3, 0, 0)}, {BASE: _tally(3)}, _records(3))
    assert not result.ok and "not an output of this run's pack check" in result.problems[-1]


def test_an_empty_run_does_not_pass() -> None:
    assert reconcile(RUN, 3, {}, {}, {}, []).verdict == "FAIL"


def test_bus_read_starts_at_the_lowest_receipt_offset_and_keeps_only_this_run() -> None:
    calls: list[tuple[str, int, int]] = []

    def read(topic: str, partition: int, start: int) -> list[BusMessage]:
        calls.append((topic, partition, start))
        mine = {"platform_run_id": RUN.encode(), "event_id": b"e"}
        other = {"platform_run_id": b"platform_20000101T000000Z", "event_id": b"x"}
        return [
            BusMessage(topic, partition, start, None, b"{}", mine),
            BusMessage(topic, partition, 99, None, b"", other),
        ]

    found = read_bus_records(RUN, {TOPIC: 3}, {BASE: _tally(3)}, read)
    assert calls == [(TOPIC, 0, 10), (TOPIC, 1, 11), (TOPIC, 2, 0)]
    assert [(r.partition, r.offset) for r in found] == [(0, 10), (1, 11), (2, 0)]
