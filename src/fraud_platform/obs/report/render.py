"""Render a run report as one self-contained HTML page (no network: plotly.js and CSS are inline).

Why one file: the page is stored in the closure bundle (`report.html`) and opened from anywhere,
often offline, so it cannot depend on a CDN. Every string from the data goes through
`html.escape` (text and attributes); chart data goes through `charts.figure_script_json`. The
page is deterministic for the same data (no clock read here: `generated_at` is part of the data).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

import plotly.offline

from fraud_platform.core.time import format_utc
from fraud_platform.obs.cost import CostEstimate
from fraud_platform.obs.report.charts import admissions_figure, figure_script_json, latency_figure
from fraud_platform.obs.report.model import OutputCounters, ReportData

__all__ = ["render_report"]

_STATEMENT_TITLES = {
    "landed_truth_continuity": "Landed truth continuity",
    "stream_view_closure": "Stream-view deterministic closure",
    "gates_passing": "Strict gates passing",
    "downstream_parity": "Downstream behaviour unchanged",
}
_COUNTER_COLUMNS = ("view_rows", "sent", "admitted", "duplicate", "quarantined", "on_topic")

_CSS = """
:root { --pass: #1a7f37; --fail: #cf222e; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.15rem; margin: 28px 0 8px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.verdict { display: inline-block; font-weight: 700; font-size: 1.25rem; padding: 6px 18px;
           border-radius: 6px; color: #fff; letter-spacing: .05em; }
.verdict.PASS { background: var(--pass); } .verdict.FAIL { background: var(--fail); }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
.ok { color: var(--pass); font-weight: 700; white-space: nowrap; } .bad { color: var(--fail); font-weight: 700; white-space: nowrap; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.chart { border: 1px solid var(--line); border-radius: 6px; min-height: 400px; min-width: 0; overflow: hidden; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
code { font-size: .85rem; word-break: break-all; }
@media (max-width: 800px) { .charts { grid-template-columns: 1fr; } }
"""


def _mark(holds: bool) -> str:
    return '<span class="ok">&#10003; holds</span>' if holds else '<span class="bad">&#10007; fails</span>'


def _link(uri: str, text: str) -> str:
    return f'<a href="{escape(uri, quote=True)}"><code>{escape(text)}</code></a>'


def _identity(data: ReportData) -> str:
    rows = [
        ("platform_run_id", data.platform_run_id),
        ("profile", data.profile),
        ("rehearsal", "yes" if data.rehearsal else "no"),
        ("generated at", format_utc(data.generated_at)),
        *sorted(data.pins.items()),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td><code>{escape(v)}</code></td></tr>" for k, v in rows)
    return f'<table id="identity">{body}</table>'


def _statements(data: ReportData) -> str:
    rows = "".join(
        f'<tr data-statement="{escape(s.key, quote=True)}"><td>{escape(_STATEMENT_TITLES[s.key])}</td>'
        f"<td>{_mark(s.holds)}</td><td>{escape(s.summary)}</td><td>{_link(s.evidence_ref, s.evidence_ref)}</td></tr>"
        for s in data.statements
    )
    head = "<tr><th>statement</th><th>result</th><th>evidence says</th><th>evidence</th></tr>"
    return f'<table id="statements">{head}{rows}</table>'


def _counter_row(label: str, values: list[int], balanced: bool, css: str = "") -> str:
    cells = "".join(f'<td class="num">{value}</td>' for value in values)
    return f'<tr class="{css}"><td>{escape(label)}</td>{cells}<td>{_mark(balanced)}</td></tr>'


def _counters(counters: tuple[OutputCounters, ...]) -> str:
    head = "".join(f'<th class="num">{escape(c.replace("_", " "))}</th>' for c in _COUNTER_COLUMNS)
    rows = [
        _counter_row(c.output_id, [getattr(c, col) for col in _COUNTER_COLUMNS], c.balanced) for c in counters
    ]
    totals = [sum(getattr(c, col) for c in counters) for col in _COUNTER_COLUMNS]
    rows.append(_counter_row("total", totals, all(c.balanced for c in counters), "total"))
    return f'<table id="counters"><tr><th>output</th>{head}<th>balanced</th></tr>{"".join(rows)}</table>'


def _quantity(value: Decimal) -> str:
    # Display only: six decimals are enough to read a quantity; the exact value stays in telemetry.json.
    shown = value.quantize(Decimal("0.000001")).normalize()
    return f"{shown:f}" if shown or not value else "< 0.000001"


def _cost(cost: CostEstimate | None) -> str:
    if cost is None:
        return '<p class="warn">No cost estimate was recorded for this run.</p>'
    rows = "".join(
        f"<tr><td>{escape(line.item)}</td><td class='num'>{_quantity(line.quantity)}</td>"
        f"<td>{escape(line.unit)}</td><td class='num'>"
        f"{'unknown' if line.unit_price is None else f'{line.unit_price:f}'}</td>"
        f"<td class='num'>{'n/a' if line.unit_price is None else f'{line.amount:f}'}</td></tr>"
        for line in cost.lines
    )
    warn = (
        f'<p class="warn">No known price for {escape(", ".join(cost.unpriced))}: the total is a lower bound.</p>'
        if cost.unpriced
        else ""
    )
    return (
        f"{warn}<table id='cost'><tr><th>item</th><th class='num'>quantity</th><th>unit</th>"
        f"<th class='num'>unit price (USD)</th><th class='num'>amount (USD)</th></tr>{rows}"
        f"<tr class='total'><td>total</td><td></td><td></td><td></td><td class='num'>{cost.total:f}</td></tr>"
        f"</table><p class='sub'>Prices taken on {escape(cost.prices_taken_on)}.</p>"
    )


def _evidence(data: ReportData) -> str:
    items = "".join(f"<li>{escape(e.name)}: {_link(e.uri, e.uri)}</li>" for e in data.evidence)
    return f'<ul id="evidence">{items}</ul>'


def _chart_notes(data: ReportData) -> str:
    # An empty chart must say why, or a reader takes "no data recorded" for "nothing happened".
    notes = []
    if not any(series.admitted_at for series in data.admissions):
        notes.append("No admission times were recorded for this run, so the admissions chart is empty.")
    if not any(series.latencies_ms for series in data.admissions):
        notes.append("IG recorded no admission time for this run's events, so the latency chart is empty.")
    else:
        missing = sum(len(series.admitted_at) - len(series.latencies_ms) for series in data.admissions)
        if missing:
            notes.append(
                f"The latency chart leaves out {missing} admitted event(s) whose IG receipt carries"
                " no admission_ms."
            )
    return "".join(f'<p class="warn chart-note">{escape(note)}</p>' for note in notes)


def render_report(data: ReportData) -> str:
    """The whole page as a string; pure (same data, same bytes), never touches the network."""
    admissions = figure_script_json(admissions_figure(data.admissions))
    latency = figure_script_json(latency_figure(data.admissions))
    title = f"Run report {data.platform_run_id}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>{escape(title)}</h1>
<p class="sub">Profile {escape(data.profile)}{" (rehearsal)" if data.rehearsal else ""}</p>
<p>Verdict: <span id="verdict" class="verdict {data.verdict}">{data.verdict}</span></p>
<h2>Acceptance statements</h2>{_statements(data)}
<h2>Counters per output</h2>{_counters(data.counters)}
<h2>Admission</h2>
<div class="charts"><div id="chart-admitted" class="chart"></div><div id="chart-latency" class="chart"></div></div>{_chart_notes(data)}
<h2>Cost estimate</h2>{_cost(data.cost)}
<h2>Identity and pins</h2>{_identity(data)}
<h2>Evidence</h2>{_evidence(data)}
<script>
(function () {{
  var config = {{displaylogo: false, responsive: true}};
  var admitted = {admissions};
  var latency = {latency};
  Plotly.newPlot("chart-admitted", admitted.data, admitted.layout, config);
  Plotly.newPlot("chart-latency", latency.data, latency.layout, config);
}})();
</script>
</body></html>
"""
