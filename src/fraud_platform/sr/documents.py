"""The SR ledger documents: plan, status, record and facts view (contracts other processes read).

Every model refuses unknown fields. The plan and the facts view are write-once; the status moves by
compare-and-swap and carries a `version` that grows by one per move; a record is one immutable
object per event. Times are cj1 timestamps from the injected clock; the plan holds none, so
re-planning an existing run yields the same bytes.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.sr._reasons import SR_LEDGER_INVALID
from fraud_platform.sr.states import RunState

__all__ = [
    "FACTS_VIEW_SCHEMA",
    "PLAN_SCHEMA",
    "RECORD_SCHEMA",
    "STATUS_SCHEMA",
    "EvidenceFailure",
    "FactsView",
    "OraclePinsDoc",
    "RunFlags",
    "RunPlan",
    "RunRecord",
    "RunStatus",
    "document_bytes",
    "parse_ledger_document",
]

PLAN_SCHEMA = "fp.sr.run_plan.v1"
STATUS_SCHEMA = "fp.sr.run_status.v1"
RECORD_SCHEMA = "fp.sr.run_record.v1"
FACTS_VIEW_SCHEMA = "fp.sr.run_facts_view.v1"

_M = TypeVar("_M", bound=BaseModel)
_HEX64 = r"^[0-9a-f]{64}$"
_SRID = r"^[0-9a-f]{32}$"
_PRID = r"^platform_\d{8}T\d{6}Z$"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunFlags(_Doc):
    """`{"profile", "rehearsal"}`: every SR record says which profile wrote it, and whether in rehearsal."""

    profile: str
    rehearsal: bool


class OraclePinsDoc(_Doc):
    """The resolved Oracle pins a plan was made for."""

    pack_root: str = Field(pattern=r"^s3://")
    scenario_id: str = Field(min_length=1)
    stream_view_root: str | None


class RunPlan(_Doc):
    """`run_plan/{scenario_run_id}.json`: what the run will verify and stream; no wall-clock field."""

    schema_version: Literal["fp.sr.run_plan.v1"] = "fp.sr.run_plan.v1"
    platform_run_id: str = Field(pattern=_PRID)
    scenario_run_id: str = Field(pattern=_SRID)
    run_equivalence_key: str = Field(min_length=1)
    intent_fingerprint: str = Field(pattern=_HEX64)
    oracle: OraclePinsDoc
    intended_outputs: list[str] = Field(min_length=1)
    policy: dict[str, Any]
    run_config_digest: str = Field(pattern=_HEX64)
    evidence_deadline_s: int = Field(gt=0)
    flags: RunFlags


class EvidenceFailure(_Doc):
    """One reason the evidence is not complete: a registered code, what it is about, and why."""

    code: str
    subject: str
    detail: str


class RunStatus(_Doc):
    """`run_status/{scenario_run_id}.json`: the run's current state, moved only forwards (CAS)."""

    schema_version: Literal["fp.sr.run_status.v1"] = "fp.sr.run_status.v1"
    platform_run_id: str = Field(pattern=_PRID)
    scenario_run_id: str = Field(pattern=_SRID)
    state: RunState
    version: int = Field(ge=1)
    reason: str | None = None
    detail: str = ""
    failures: list[EvidenceFailure] = Field(default_factory=list)
    accepted_at_utc: str
    deadline_utc: str
    updated_at_utc: str
    plan_ref: str | None = None
    facts_view_ref: str | None = None
    message_id: str | None = Field(default=None, pattern=_HEX64)
    bundle_hash: str | None = Field(default=None, pattern=_HEX64)
    flags: RunFlags


class RunRecord(_Doc):
    """`run_record/{scenario_run_id}/{seq:06d}-{event}.json`: one immutable object per event."""

    schema_version: Literal["fp.sr.run_record.v1"] = "fp.sr.run_record.v1"
    seq: int = Field(ge=1)
    event: str = Field(pattern=r"^[A-Z][A-Z_]*$")
    platform_run_id: str = Field(pattern=_PRID)
    scenario_run_id: str = Field(pattern=_SRID)
    state: RunState | None
    reason: str | None = None
    detail: str = ""
    at_utc: str
    writer: str
    refs: dict[str, Any] = Field(default_factory=dict)


class FactsView(_Doc):
    """`run_facts_view/{scenario_run_id}.json`: the evidence READY stands on, all by reference.

    The READY message is a pure function of this document and its own URI, so a re-emit rebuilds
    exactly the same bytes (same `message_id`).
    """

    schema_version: Literal["fp.sr.run_facts_view.v1"] = "fp.sr.run_facts_view.v1"
    platform_run_id: str = Field(pattern=_PRID)
    scenario_run_id: str = Field(pattern=_SRID)
    run_config_digest: str = Field(pattern=_HEX64)
    bundle_hash: str = Field(pattern=_HEX64)
    message_id: str = Field(pattern=_HEX64)
    world_key: dict[str, Any]
    oracle_pack_ref: dict[str, Any]
    intended_outputs: list[str] = Field(min_length=1)
    locators: list[dict[str, Any]]
    gate_receipts: list[dict[str, Any]]
    policy: dict[str, Any]
    plan_ref: str
    evidence_check: dict[str, Any]
    emitted_at_utc: str
    flags: RunFlags


def document_bytes(model: BaseModel) -> bytes:
    """The stored bytes of a ledger document: cj1 plus one newline."""
    return canonical_file_bytes(model.model_dump(mode="json"))


def parse_ledger_document(model: type[_M], data: bytes, where: str) -> _M:
    """Parse a ledger object; anything off-contract is SR_LEDGER_INVALID (never silently repaired)."""
    try:
        return model.model_validate(parse_json_bytes(data))
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FailClosed(SR_LEDGER_INVALID, f"{where}: {first}", {"where": where}) from error
