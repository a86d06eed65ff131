"""The shadow document: what `fp run shadow` proved about two Oracle roots, read by the pointer gate.

Why here: the document is written by Run/Operate and read by the Oracle (`fp oracle pointer set
--require-shadow RUN`), and the Oracle may not import Run/Operate; both meet at this contract in obs,
below both of them.

Layout: one write-once object per shadow, `evidence/shadow/{right_platform_run_id}.json` in the
evidence bucket. The right-hand run (the candidate root's run) is minted by the shadow itself and
claimed by its write-once run.json, so its id names exactly one shadow; that id is the shadow's id
and what `--require-shadow` takes. The document sits outside every run's prefix, so neither run's
committed bundle gains a file after its commit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import EVIDENCE_INVALID
from fraud_platform.obs.evidence import RUN_ID_REGEX, validate_platform_run_id
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, PutOutcome, S3Location

__all__ = [
    "SHADOW_PREFIX",
    "SHADOW_SCHEMA",
    "ShadowDifference",
    "ShadowRecord",
    "ShadowSide",
    "read_shadow",
    "shadow_location",
    "write_shadow",
]

SHADOW_PREFIX = "evidence/shadow/"
SHADOW_SCHEMA = "fp.operate.shadow.v1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShadowSide(_Strict):
    """One of the two runs: its id, the root it ran from, its pack id and its committed lane verdict."""

    platform_run_id: str = Field(pattern=RUN_ID_REGEX)
    pack_root: str = Field(pattern=r"^s3://")
    oracle_pack_id: str
    lane_verdict: Literal["PASS", "FAIL"]
    evidence: str = Field(pattern=r"^s3://")


class ShadowDifference(_Strict):
    """One way the two runs differ; `subject` names the event id or partition key it is about."""

    kind: str
    output_id: str
    subject: str
    left: str | None
    right: str | None


class ShadowRecord(_Strict):
    """The shadow document (module docstring). `differences` holds the first ones only."""

    schema_version: Literal["fp.operate.shadow.v1"] = "fp.operate.shadow.v1"
    shadow_id: str = Field(pattern=RUN_ID_REGEX)
    profile: str
    rehearsal: bool
    scenario_id: str
    events_per_output: int = Field(ge=1)
    left: ShadowSide
    right: ShadowSide
    verdict: Literal["PASS", "FAIL"]
    code: str
    compared: dict[str, dict[str, int]]
    difference_count: int = Field(ge=0)
    differences: list[ShadowDifference]
    method: str


def shadow_location(evidence_bucket: str, right_platform_run_id: str) -> S3Location:
    """`evidence/shadow/{right_platform_run_id}.json` (the id is validated first)."""
    validate_platform_run_id(right_platform_run_id)
    return S3Location(evidence_bucket, f"{SHADOW_PREFIX}{right_platform_run_id}.json")


def write_shadow(store: ObjectStore, evidence_bucket: str, record: ShadowRecord) -> str:
    """Write the document once; an identical rewrite is accepted, other bytes are refused."""
    location = shadow_location(evidence_bucket, record.shadow_id)
    data = canonical_file_bytes(record.model_dump(mode="json"))
    outcome = store.put_if_absent(location, data, content_type="application/json")
    if outcome is not PutOutcome.CREATED and store.get(location) != data:
        raise FailClosed(EVIDENCE_INVALID, f"{location.uri} already holds another shadow's document")
    return location.uri


def read_shadow(store: ObjectStore, evidence_bucket: str, shadow_id: str) -> ShadowRecord | None:
    """The shadow document of `shadow_id` (the right-hand run id), or None when there is none."""
    location = shadow_location(evidence_bucket, shadow_id)
    try:
        data = store.get(location)
    except FailClosed as error:
        if error.code == OBJECT_MISSING:
            return None
        raise
    try:
        record = ShadowRecord.model_validate(parse_json_bytes(data))
    except ValueError as error:
        raise FailClosed(EVIDENCE_INVALID, f"{location.uri} breaks the shadow contract: {error}") from error
    if record.shadow_id != shadow_id:
        raise FailClosed(EVIDENCE_INVALID, f"{location.uri} names shadow {record.shadow_id}")
    return record
