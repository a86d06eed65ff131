"""The report's two charts as Plotly figures, serialised to JSON safe to inline in a <script>.

Why Plotly: a well-kept library draws the axes, legends and hover text; the page inlines plotly.js
(`plotly.offline.get_plotlyjs()`), so it renders with no network. The figure JSON is built by Plotly
and then escaped for an HTML script context (`<`, `>`, `&`, U+2028/9 as \\u escapes, still valid
JSON), so an output id like `</script>` cannot end the script early.
"""

from __future__ import annotations

from itertools import accumulate

import plotly.graph_objects as go
import plotly.io as pio

from fraud_platform.core.time import format_utc
from fraud_platform.obs.report.model import AdmissionSeries

__all__ = ["admissions_figure", "figure_script_json", "latency_figure"]

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 110},
    "height": 400,
    "template": "plotly_white",
    "legend": {"orientation": "h", "y": -0.38},
}


def admissions_figure(series: tuple[AdmissionSeries, ...]) -> go.Figure:
    """Cumulative events admitted over time, one line per output."""
    figure = go.Figure()
    for item in series:
        times = sorted(item.admitted_at)
        figure.add_trace(
            go.Scatter(
                x=[format_utc(moment) for moment in times],
                y=list(accumulate(1 for _ in times)),
                mode="lines",
                line={"shape": "hv"},
                name=item.output_id,
            )
        )
    figure.update_layout(
        title="Events admitted over time", xaxis_title="time (UTC)", yaxis_title="admitted", **_LAYOUT
    )
    return figure


def latency_figure(series: tuple[AdmissionSeries, ...]) -> go.Figure:
    """Admission latency distribution, one histogram per output.

    Each value is IG's time on the event's batch (receipt `admission_ms`: body read to publish
    confirmed), so a batch of n events adds n equal values: the histogram is weighted by events.
    """
    figure = go.Figure()
    for item in series:
        if item.latencies_ms:
            figure.add_trace(go.Histogram(x=list(item.latencies_ms), name=item.output_id, opacity=0.7))
    figure.update_layout(
        title="Admission latency",
        xaxis_title="latency (ms)",
        yaxis_title="events",
        barmode="overlay",
        **_LAYOUT,
    )
    return figure


def figure_script_json(figure: go.Figure) -> str:
    """The figure as JSON (`{"data", "layout"}`) escaped for an inline <script>."""
    text = str(pio.to_json(figure, validate=True))
    for raw, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text
