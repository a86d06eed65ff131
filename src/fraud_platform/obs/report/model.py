"""The typed data of a run report page: what the run lane fills in, and nothing the page invents.

Why a model: the page is evidence a person reads, so every number on it must come from the closure
bundle (counters from the components' own records, statements with their evidence references), and
every string is data that the renderer escapes. The model refuses what would make the page lie or
unsafe (a link whose scheme could run script, counters that do not add up to the verdict's claim).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import REPORT_DATA_INVALID
from fraud_platform.obs.cost import CostEstimate

__all__ = [
    "STATEMENT_KEYS",
    "AcceptanceStatement",
    "AdmissionSeries",
    "EvidenceLink",
    "OutputCounters",
    "ReportData",
    "parse_report_data",
]

StatementKey = Literal["landed_truth_continuity", "stream_view_closure", "gates_passing", "downstream_parity"]
STATEMENT_KEYS: tuple[StatementKey, ...] = (
    "landed_truth_continuity",
    "stream_view_closure",
    "gates_passing",
    "downstream_parity",
)
_LINK_SCHEMES = ("s3://", "https://", "http://")


def _check_link(value: str) -> str:
    # A relative path (no scheme) or one of the allowed schemes: never javascript: or data:.
    if value.startswith(_LINK_SCHEMES) or ("://" not in value and ":" not in value.split("/", 1)[0]):
        return value
    raise ValueError(f"evidence link {value!r} must be s3://, http(s):// or a relative path")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AcceptanceStatement(_Frozen):
    """One of the four acceptance statements, whether it holds, and the evidence object proving it."""

    key: StatementKey
    holds: bool
    summary: str
    evidence_ref: str

    @field_validator("evidence_ref")
    @classmethod
    def _safe_ref(cls, value: str) -> str:
        return _check_link(value)


class OutputCounters(_Frozen):
    """Per-output counters, each from its owner's records (WSP checkpoints, IG receipts, the bus)."""

    output_id: str = Field(min_length=1)
    view_rows: int = Field(ge=0)
    sent: int = Field(ge=0)
    admitted: int = Field(ge=0)
    duplicate: int = Field(ge=0)
    quarantined: int = Field(ge=0)
    on_topic: int = Field(ge=0)

    @property
    def balanced(self) -> bool:
        """`sent = admitted + duplicate + quarantined` and the bus holds exactly the admitted events."""
        return (
            self.sent == self.admitted + self.duplicate + self.quarantined and self.on_topic == self.admitted
        )


class AdmissionSeries(_Frozen):
    """Admission times of one output's events (one entry per admitted event) and their latencies.

    `latencies_ms` holds IG's batch admission latency of each admitted event whose receipt recorded
    one: receipts written before IG recorded it have none, and none is invented for them, so there
    may be fewer latencies than admitted events, never more.
    """

    output_id: str = Field(min_length=1)
    admitted_at: tuple[datetime, ...]
    latencies_ms: tuple[float, ...]

    @model_validator(mode="after")
    def _aligned(self) -> AdmissionSeries:
        if len(self.latencies_ms) > len(self.admitted_at):
            raise ValueError("latencies_ms must hold at most one per admitted event")
        if any(not 0 <= value < math.inf for value in self.latencies_ms):
            raise ValueError("a latency must be a finite, non-negative number of ms")
        if any(moment.tzinfo is None for moment in self.admitted_at):
            raise ValueError("admission times must be timezone-aware")
        return self


class EvidenceLink(_Frozen):
    """One object of the closure bundle, by name and URI."""

    name: str = Field(min_length=1)
    uri: str

    @field_validator("uri")
    @classmethod
    def _safe_uri(cls, value: str) -> str:
        return _check_link(value)


class ReportData(_Frozen):
    """Everything the run report page shows; built by the run lane from the closure bundle."""

    platform_run_id: str
    profile: str
    rehearsal: bool
    generated_at: datetime
    pins: dict[str, str]
    verdict: Literal["PASS", "FAIL"]
    statements: tuple[AcceptanceStatement, ...]
    counters: tuple[OutputCounters, ...]
    admissions: tuple[AdmissionSeries, ...]
    cost: CostEstimate | None
    evidence: tuple[EvidenceLink, ...]

    @model_validator(mode="after")
    def _consistent(self) -> ReportData:
        if tuple(s.key for s in self.statements) != STATEMENT_KEYS:
            raise ValueError(f"statements must be exactly {', '.join(STATEMENT_KEYS)}, in that order")
        all_hold = all(s.holds for s in self.statements) and all(c.balanced for c in self.counters)
        if self.verdict == "PASS" and not all_hold:
            raise ValueError("a PASS verdict needs every statement to hold and every output to balance")
        outputs = [c.output_id for c in self.counters]
        if len(set(outputs)) != len(outputs):
            raise ValueError("an output appears twice in the counters")
        if not {a.output_id for a in self.admissions} <= set(outputs):
            raise ValueError("an admission series names an output missing from the counters")
        return self


def parse_report_data(raw: Mapping[str, Any]) -> ReportData:
    """Build ReportData from a JSON-like mapping; FailClosed(REPORT_DATA_INVALID) on any breach."""
    try:
        return ReportData.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FailClosed(REPORT_DATA_INVALID, f"{where}: {first['msg']}", {"where": where}) from error
