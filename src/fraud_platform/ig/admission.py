"""Admission checks of one event, in the order issue 9 fixes, before anything is written.

    size → envelope schema → required pins → run READY (and the event's world is that run's world)
         → event type routed and intended → payload schema from the engine catalogue's columns

The first failing check decides the event's one quarantine reason. An event that passes becomes an
`Admissible`: its dedupe key, its canonical bytes (the record value on the bus) and their SHA-256
(the payload hash dedupe compares). Dedupe and publish come after, in the batch (`service.py`).
Every check is pure except the READY lookup, which may raise TransientError (store down → 503).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import ValidationError

from fraud_platform.core.canonical import sha256_hex
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.eb.envelope import ROUTES, Envelope, Route, route_for
from fraud_platform.engine.catalogue import ColumnSpec, load_catalogue
from fraud_platform.ig._reasons import (
    ENVELOPE_INVALID,
    EVENT_TOO_LARGE,
    EVENT_TYPE_NOT_INTENDED,
    EVENT_TYPE_UNKNOWN,
    PAYLOAD_SCHEMA_INVALID,
    PINS_MISSING,
    RUN_FOREIGN,
    RUN_NOT_READY,
)
from fraud_platform.ig.jsonbytes import decoded_json_bytes
from fraud_platform.ig.readiness import ReadyBook

__all__ = ["PINS", "Admissible", "Rejected", "check_event", "warm_payload_columns"]

PINS = ("platform_run_id", "scenario_run_id", "manifest_fingerprint", "parameter_hash", "seed", "scenario_id")
"""The envelope fields without which an event cannot be tied to a run and a world."""

_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_WORLD_KEY = ("manifest_fingerprint", "parameter_hash", "seed", "scenario_id")


class Admissible(NamedTuple):
    """An event that passed every check: ready for dedupe and publish.

    `key` is its dedupe key `(platform_run_id, event_class, event_id)`, built once here because the
    publisher looks every event up by it several times per batch. A named tuple (immutable, and
    built without the per-field `object.__setattr__` of a frozen dataclass: one per event).
    """

    envelope: Envelope
    route: Route
    value: bytes
    payload_hash: str
    partition_key: bytes
    key: tuple[str, str, str]


@dataclass(frozen=True)
class Rejected:
    """An event that failed a check: its one reason code and a detail (no secrets: events hold none)."""

    code: ReasonCode
    detail: str


def _schema_failure(raw: object, error: ValidationError) -> Rejected:
    if isinstance(raw, dict):
        missing = [name for name in PINS if raw.get(name) is None]
        if missing:
            return Rejected(PINS_MISSING, f"missing pins: {', '.join(missing)}")
    first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return Rejected(ENVELOPE_INVALID, f"{where or 'event'}: {first.get('msg', 'invalid')}")


def _type_error(column: ColumnSpec, value: Any) -> str | None:
    if value is None:
        return None if column.nullable else f"{column.name}: null where the catalogue allows none"
    kind = column.type
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"{column.name}: expected {kind}"
    elif kind == "float64":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{column.name}: expected float64"
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"{column.name}: expected bool"
    elif not isinstance(value, str):
        return f"{column.name}: expected {kind}"
    return None


_PLAIN = {"float64": float, "bool": bool}
"""Catalogue types whose values pass outright when their type is exactly this one (any other
non-integer kind passes as exactly `str`); integer kinds pass as exactly `int` within their range."""


@functools.cache
def _columns(output_id: str) -> tuple[tuple[ColumnSpec, type, tuple[int, int] | None], ...]:
    """Each column with the exact type that passes it outright and, for integer kinds, the range."""
    return tuple(
        (
            column,
            int if column.type in _INT_RANGES else _PLAIN.get(column.type, str),
            _INT_RANGES.get(column.type),
        )
        for column in load_catalogue().output(output_id).columns
    )


def warm_payload_columns() -> None:
    """Parse the catalogue and every routed output's columns now (at start-up, not in the first batch)."""
    for output_id in ROUTES:
        _columns(output_id)


def _payload_failure(envelope: Envelope) -> str | None:
    """The first column the payload lacks or holds a wrong value for; None when every column fits.

    A value of exactly the column's plain type (in range, for integers) or a null in a nullable
    column passes without `_type_error`; anything else gets its full check (and message) there.
    """
    payload = envelope.payload
    for column, plain, bounds in _columns(envelope.event_type):
        if column.name not in payload:
            return f"{column.name}: missing"
        value = payload[column.name]
        if bounds is not None:
            if type(value) is int and bounds[0] <= value <= bounds[1]:
                continue
        elif type(value) is plain:
            continue
        if value is None and column.nullable:
            continue
        problem = _type_error(column, value)
        if problem is not None:
            return problem
    for name in _WORLD_KEY:
        if name in payload and payload[name] != getattr(envelope, name):
            return f"{name}: the payload's world key differs from the envelope's"
    return None


def check_event(raw: object, ready: ReadyBook, *, max_event_bytes: int) -> Admissible | Rejected:
    """Run every admission check on one decoded JSON event; the first failure decides.

    `raw` is what IG's strict decoder produced (string keys, finite numbers): its cj1 bytes are then
    `decoded_json_bytes(raw, finite=True)` (see `ig.jsonbytes`).
    """
    try:
        value = decoded_json_bytes(raw, finite=True)
    except (TypeError, ValueError):
        return Rejected(ENVELOPE_INVALID, "the event is not representable as canonical JSON")
    if len(value) > max_event_bytes:
        return Rejected(EVENT_TOO_LARGE, f"{len(value)} bytes > {max_event_bytes}")
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as error:
        return _schema_failure(raw, error)
    found = ready.lookup(envelope.platform_run_id, envelope.scenario_run_id)
    if found.payload is None:
        return Rejected(RUN_NOT_READY, found.detail)
    world = found.payload.world_key
    mismatched = [name for name in _WORLD_KEY if getattr(world, name) != getattr(envelope, name)]
    if mismatched:
        return Rejected(RUN_FOREIGN, f"differs from the run's READY: {', '.join(mismatched)}")
    route = route_for(envelope.event_type)
    if route is None:
        return Rejected(EVENT_TYPE_UNKNOWN, f"{envelope.event_type!r} is no routed output")
    if envelope.event_type not in found.payload.intended_outputs:
        return Rejected(EVENT_TYPE_NOT_INTENDED, f"{envelope.event_type} is not intended by the run's READY")
    problem = _payload_failure(envelope)
    if problem is not None:
        return Rejected(PAYLOAD_SCHEMA_INVALID, problem)
    key_value = envelope.payload[route.partition_key]
    return Admissible(
        envelope=envelope,
        route=route,
        value=value,
        payload_hash=sha256_hex(value),
        partition_key=str(key_value).encode("utf-8"),
        key=(envelope.platform_run_id, route.event_class, envelope.event_id),
    )
