"""The event envelope WSP sends, IG admits and EB carries (CONTRACTS.md, "Event envelope").

This module is the one place both sides of the WSP → IG HTTP contract meet: the models are strict and
forbid extra fields, so a producer cannot smuggle a field IG would silently drop, and the routing table
(output_id → event class → topic → partition-key field) is data here so neither side re-derives it.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EVENT_ID_HEADER",
    "ROUTES",
    "SCHEMA_VERSION",
    "Decision",
    "EbRef",
    "Envelope",
    "EventDecision",
    "IngestBatch",
    "IngestBatchResponse",
    "Route",
    "WorldKeyLike",
    "event_id_for",
    "is_traffic_class",
    "route_for",
]

SCHEMA_VERSION = "v1"
EVENT_ID_HEADER = "event_id"

_HEX64 = r"^[0-9a-f]{64}$"
_HEX32 = r"^[0-9a-f]{32}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class WorldKeyLike(Protocol):
    """Anything carrying the four world-key fields (SR's `WorldKey`, a facts view's copy, ...)."""

    @property
    def manifest_fingerprint(self) -> str: ...

    @property
    def parameter_hash(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def scenario_id(self) -> str: ...


class Envelope(_Strict):
    """One event: its identity, the run and world it belongs to, and the row itself as `payload`."""

    event_id: str = Field(pattern=_HEX64)
    event_type: str = Field(min_length=1)
    schema_version: str = Field(pattern=r"^v\d+$")
    ts_utc: str | None
    platform_run_id: str = Field(pattern=r"^platform_\d{8}T\d{6}Z$")
    scenario_run_id: str = Field(pattern=_HEX32)
    manifest_fingerprint: str = Field(pattern=_HEX64)
    parameter_hash: str = Field(pattern=_HEX64)
    seed: int = Field(ge=0)
    scenario_id: str = Field(min_length=1)
    producer: str = Field(min_length=1)
    payload: dict[str, Any]


class IngestBatch(_Strict):
    """Body of `POST /v1/ingest/batch`."""

    events: list[Envelope]


class Decision(enum.StrEnum):
    """IG's verdict on one event."""

    ADMIT = "ADMIT"
    DUPLICATE = "DUPLICATE"
    QUARANTINE = "QUARANTINE"


class EbRef(_Strict):
    """Where an admitted event lives on the Event Bus."""

    topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class EventDecision(_Strict):
    """IG's decision for one event, with its receipt id and (for ADMIT/DUPLICATE) the EB reference."""

    event_id: str
    decision: Decision = Field(strict=False)  # accept "ADMIT" from Python dicts as well as JSON
    reason_code: str | None
    receipt_id: str
    eb_ref: EbRef | None


class IngestBatchResponse(_Strict):
    """Body of a 200 answer to `POST /v1/ingest/batch`: decisions in request order."""

    batch_id: str
    decisions: list[EventDecision]


@dataclass(frozen=True, slots=True)
class Route:
    """How one output travels: its event class, its topic and the payload field that keys the record."""

    output_id: str
    event_class: str
    topic: str
    partition_key: str


ROUTES: dict[str, Route] = {
    route.output_id: route
    for route in (
        Route("s3_event_stream_with_fraud_6B", "traffic_fraud", "fp.bus.traffic.fraud.v1", "flow_id"),
        Route("s2_event_stream_baseline_6B", "traffic_baseline", "fp.bus.traffic.baseline.v1", "flow_id"),
        Route(
            "arrival_events_5B", "context_arrival_events", "fp.bus.context.arrival_events.v1", "merchant_id"
        ),
        Route(
            "s1_arrival_entities_6B",
            "context_arrival_entities",
            "fp.bus.context.arrival_entities.v1",
            "merchant_id",
        ),
        Route(
            "s3_flow_anchor_with_fraud_6B",
            "context_flow_anchor_fraud",
            "fp.bus.context.flow_anchor.fraud.v1",
            "flow_id",
        ),
        Route(
            "s2_flow_anchor_baseline_6B",
            "context_flow_anchor_baseline",
            "fp.bus.context.flow_anchor.baseline.v1",
            "flow_id",
        ),
    )
}


def route_for(output_id: str) -> Route | None:
    """The route of an output, or None for an output that is not an event type (callers fail closed)."""
    return ROUTES.get(output_id)


def is_traffic_class(event_class: str) -> bool:
    """Traffic classes are `traffic_*`; every other class is context."""
    return event_class.startswith("traffic_")


def event_id_for(output_id: str, primary_key_values: Sequence[object], world_key: WorldKeyLike) -> str:
    """The deterministic event id of CONTRACTS.md: same row, same world → same id, on every run and profile."""
    parts = [
        output_id,
        *map(str, primary_key_values),
        world_key.manifest_fingerprint,
        world_key.parameter_hash,
        str(world_key.seed),
        world_key.scenario_id,
    ]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()
