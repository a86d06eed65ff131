"""The run report page as text: the model refuses lies and unsafe links, the HTML escapes every string."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import REPORT_DATA_INVALID
from fraud_platform.obs.report import STATEMENT_KEYS, AdmissionSeries, parse_report_data, render_report
from fraud_platform.obs.report.charts import admissions_figure, latency_figure

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def _raw(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "platform_run_id": "platform_20261203T080000Z",
        "profile": "local_parity",
        "rehearsal": False,
        "generated_at": "2026-12-03T08:01:00Z",
        "pins": {"scenario_id": "baseline_v1"},
        "verdict": "PASS",
        "statements": [
            {"key": key, "holds": True, "summary": "ok", "evidence_ref": f"evidence/{key}.json"}
            for key in STATEMENT_KEYS
        ],
        "counters": [
            {
                "output_id": "arrival_events_5B",
                "view_rows": 30,
                "sent": 20,
                "admitted": 19,
                "duplicate": 1,
                "quarantined": 0,
                "on_topic": 19,
            }
        ],
        "admissions": [
            {
                "output_id": "arrival_events_5B",
                "admitted_at": [T0.isoformat()] * 2,
                "latencies_ms": [3.5, 4.0],
            }
        ],
        "cost": None,
        "evidence": [{"name": "run.json", "uri": "s3://fp-evidence/evidence/runs/x/run.json"}],
    }
    raw.update(overrides)
    return raw


def test_a_valid_report_renders_self_contained_and_deterministic() -> None:
    data = parse_report_data(_raw())
    page = render_report(data)
    assert page == render_report(data)
    assert page.startswith("<!DOCTYPE html>")
    assert 'id="verdict" class="verdict PASS">PASS<' in page
    assert len(page) > 3_000_000  # plotly.js is inlined, not fetched
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "No cost estimate was recorded" in page


def test_every_string_is_escaped() -> None:
    evil = '"><script>alert(1)</script>'
    raw = _raw(pins={evil: evil}, profile=evil)
    raw["statements"][0]["summary"] = evil
    raw["counters"][0]["output_id"] = evil
    raw["admissions"][0]["output_id"] = evil
    page = render_report(parse_report_data(raw))
    assert "<script>alert(1)</script>" not in page
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 2  # plotly.js and the page's own chart script, nothing else


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"verdict": "MAYBE"}, "verdict"),
        ({"statements": []}, ""),
        ({"evidence": [{"name": "x", "uri": "javascript:alert(1)"}]}, "evidence.0.uri"),
        ({"evidence": [{"name": "x", "uri": "data:text/html,hi"}]}, "evidence.0.uri"),
        ({"extra": 1}, "extra"),
    ],
)
def test_the_model_refuses_bad_data(overrides: dict[str, Any], where: str) -> None:
    with pytest.raises(FailClosed) as caught:
        parse_report_data(_raw(**overrides))
    assert caught.value.code == REPORT_DATA_INVALID
    assert caught.value.refs["where"] == where


def test_a_pass_verdict_cannot_hide_unbalanced_counters_or_a_failed_statement() -> None:
    unbalanced = _raw()
    unbalanced["counters"][0]["on_topic"] = 18
    with pytest.raises(FailClosed, match="PASS verdict"):
        parse_report_data(unbalanced)
    failed = _raw()
    failed["statements"][2]["holds"] = False
    with pytest.raises(FailClosed, match="PASS verdict"):
        parse_report_data(failed)
    failed["verdict"] = "FAIL"
    assert 'class="verdict FAIL"' in render_report(parse_report_data(failed))


def test_admission_series_must_match_the_counters_and_be_well_formed() -> None:
    stray = _raw()
    stray["admissions"][0]["output_id"] = "elsewhere"
    with pytest.raises(FailClosed, match="missing from the counters"):
        parse_report_data(stray)
    misaligned = _raw()
    misaligned["admissions"][0]["latencies_ms"] = [1.0, 2.0, 3.0]
    with pytest.raises(FailClosed, match="at most one per admitted event"):
        parse_report_data(misaligned)
    for impossible in (-0.5, float("inf"), float("nan")):
        bad = _raw()
        bad["admissions"][0]["latencies_ms"] = [impossible]
        with pytest.raises(FailClosed, match="finite, non-negative"):
            parse_report_data(bad)
    naive = _raw()
    naive["admissions"][0]["admitted_at"] = ["2026-12-03T08:00:00"] * 2
    with pytest.raises(FailClosed, match="timezone-aware"):
        parse_report_data(naive)


def test_the_admission_chart_counts_cumulatively_in_time_order_and_latency_skips_empty_series() -> None:
    later, earlier = datetime(2026, 12, 3, 8, 0, 2, tzinfo=UTC), datetime(2026, 12, 3, 8, 0, 1, tzinfo=UTC)
    series = (
        AdmissionSeries(output_id="a", admitted_at=(later, earlier, later), latencies_ms=(1.0, 2.0, 3.0)),
        AdmissionSeries(output_id="b", admitted_at=(earlier,), latencies_ms=()),
    )
    admitted = admissions_figure(series)
    assert [trace.name for trace in admitted.data] == ["a", "b"]
    assert list(admitted.data[0].x) == [
        "2026-12-03T08:00:01.000000Z",
        "2026-12-03T08:00:02.000000Z",
        "2026-12-03T08:00:02.000000Z",
    ]
    assert list(admitted.data[0].y) == [1, 2, 3]
    latency = latency_figure(series)
    assert [trace.name for trace in latency.data] == ["a"]
    assert list(latency.data[0].x) == [1.0, 2.0, 3.0]


def test_an_empty_chart_says_why_and_a_full_one_carries_no_note() -> None:
    full = render_report(parse_report_data(_raw()))
    assert "chart-note" not in full.split("</style>", 1)[1]
    no_latency = [{"output_id": "arrival_events_5B", "admitted_at": [T0.isoformat()], "latencies_ms": []}]
    page = render_report(parse_report_data(_raw(admissions=no_latency)))
    notes = re.findall(r'<p class="warn chart-note">([^<]*)</p>', page)
    assert notes == [
        "IG recorded no admission time for this run&#x27;s events, so the latency chart is empty."
    ]
    empty = render_report(parse_report_data(_raw(admissions=[])))
    assert len(re.findall(r'<p class="warn chart-note">', empty)) == 2


def test_receipts_without_admission_ms_are_left_out_of_the_latency_chart_and_counted() -> None:
    partial = [{"output_id": "arrival_events_5B", "admitted_at": [T0.isoformat()] * 3, "latencies_ms": [8.0]}]
    page = render_report(parse_report_data(_raw(admissions=partial)))
    notes = re.findall(r'<p class="warn chart-note">([^<]*)</p>', page)
    assert notes == [
        "The latency chart leaves out 2 admitted event(s) whose IG receipt carries no admission_ms."
    ]


def test_the_latency_chart_draws_the_receipts_latencies() -> None:
    page = render_report(parse_report_data(_raw()))
    figure = json.loads(re.search(r"var latency = (.*);\n", page).group(1))  # type: ignore[union-attr]
    assert [(trace["type"], trace["name"], trace["x"]) for trace in figure["data"]] == [
        ("histogram", "arrival_events_5B", [3.5, 4.0])
    ]
