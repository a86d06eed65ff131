"""The READY control message: the one contract WSP trusts to start streaming (CONTRACTS.md, "Kafka").

Both models forbid extra fields, so the generated JSON Schema has `additionalProperties: false` and a
consumer can reject anything that is not exactly this contract.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ControlKind", "ControlMessage", "OraclePackRef", "ReadyPayload", "WorldKey", "ready_json_schema"]

_HEX64 = r"^[0-9a-f]{64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorldKey(_Strict):
    """`{manifest_fingerprint, parameter_hash, seed, scenario_id}`: which world and scenario."""

    manifest_fingerprint: str = Field(pattern=_HEX64)
    parameter_hash: str = Field(pattern=_HEX64)
    seed: int = Field(ge=0)
    scenario_id: str = Field(min_length=1)


class OraclePackRef(_Strict):
    """The sealed pack READY points at, and exactly the stream views WSP will read."""

    oracle_pack_id: str = Field(pattern=_HEX64)
    pack_root: str = Field(pattern=r"^s3://")
    stream_views: dict[str, str]


class ReadyPayload(_Strict):
    """READY payload: everything is by reference, and every id is recomputable."""

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
