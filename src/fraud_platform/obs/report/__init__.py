"""The run report page: one self-contained HTML file per run (see docs/observability.md).

Public API: :class:`ReportData` (and its parts) that the run lane fills from the closure bundle,
:func:`parse_report_data` (FailClosed(REPORT_DATA_INVALID) on bad data) and :func:`render_report`.
"""

from fraud_platform.obs.report.model import (
    STATEMENT_KEYS,
    AcceptanceStatement,
    AdmissionSeries,
    EvidenceLink,
    OutputCounters,
    ReportData,
    parse_report_data,
)
from fraud_platform.obs.report.render import render_report

__all__ = [
    "STATEMENT_KEYS",
    "AcceptanceStatement",
    "AdmissionSeries",
    "EvidenceLink",
    "OutputCounters",
    "ReportData",
    "parse_report_data",
    "render_report",
]
