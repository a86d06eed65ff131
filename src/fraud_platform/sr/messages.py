"""The READY control message: the one contract WSP trusts to start streaming (CONTRACTS.md, "Kafka").

Both models forbid extra fields, so the generated JSON Schema has `additionalProperties: false` and a
consumer can reject anything that is not exactly this contract.

Version 2 (`schema_version: fp.sr.ready.v2`): each stream view is named by its committed attempt —
the closure receipt's URI and SHA-256, the `attempt_id` and the attempt's view manifest (URI and
SHA-256) — instead of v1's view folder URI, which a consumer had to glob and which may also hold
orphan attempts of crashed sorts. A consumer reads the receipt, checks its SHA-256, and reads exactly
the parts it lists.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "READY_SCHEMA_VERSION",
    "ControlKind",
    "ControlMessage",
    "OraclePackRef",
    "ReadyPayload",
    "StreamViewRef",
    "WorldKey",
    "ready_json_schema",
]

READY_SCHEMA_VERSION: Literal["fp.sr.ready.v2"] = "fp.sr.ready.v2"

_HEX64 = r"^[0-9a-f]{64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorldKey(_Strict):
    """`{manifest_fingerprint, parameter_hash, seed, scenario_id}`: which world and scenario."""

    manifest_fingerprint: str = Field(pattern=_HEX64)
    parameter_hash: str = Field(pattern=_HEX64)
    seed: int = Field(ge=0)
    scenario_id: str = Field(min_length=1)


class StreamViewRef(_Strict):
    """One committed stream view: the attempt its receipt committed, by URI and SHA-256."""

    stream_view_id: str = Field(pattern=_HEX64)
    attempt_id: str = Field(pattern=r"^[0-9a-f]{16,64}$")
    receipt_uri: str = Field(pattern=r"^s3://.+/_stream_sort_receipt\.json$")
    receipt_sha256: str = Field(pattern=_HEX64)
    view_manifest_uri: str = Field(pattern=r"^s3://.+/attempt=[0-9a-f]{16,64}/_stream_view_manifest\.json$")
    view_manifest_sha256: str = Field(pattern=_HEX64)


class OraclePackRef(_Strict):
    """The sealed pack READY points at, and exactly the stream views WSP will read."""

    oracle_pack_id: str = Field(pattern=_HEX64)
    pack_root: str = Field(pattern=r"^s3://")
    stream_views: dict[str, StreamViewRef]


class ReadyPayload(_Strict):
    """READY payload: everything is by reference, and every id is recomputable."""

    schema_version: Literal["fp.sr.ready.v2"] = READY_SCHEMA_VERSION
    platform_run_id: str = Field(pattern=r"^platform_\d{8}T\d{6}Z$")
    scenario_run_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    run_config_digest: str = Field(pattern=_HEX64)
    bundle_hash: str = Field(pattern=_HEX64)
    facts_view_ref: str = Field(pattern=r"^s3://")
    world_key: WorldKey
    oracle_pack_ref: OraclePackRef
    intended_outputs: list[str] = Field(min_length=1)
    emitted_at_utc: str


class ControlKind(enum.StrEnum):
    """Kinds of control messages."""

    READY = "READY"
    READY_REEMIT = "READY_REEMIT"


class ControlMessage(_Strict):
    """Envelope on `fp.bus.control.v1`: key `platform_run_id`, header `message_id`."""

    topic: str
    message_id: str = Field(pattern=_HEX64)
    published_at_utc: str
    kind: ControlKind
    payload: ReadyPayload


def ready_json_schema() -> dict[str, Any]:
    """The JSON Schema of the control message (and its READY payload), for independent consumers."""
    return ControlMessage.model_json_schema()
