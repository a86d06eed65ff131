"""The governance fact: one immutable, content-identified statement about a run.

Identity is content: `event_id = sha256(cj1({"family", "pins", "details"}))`. No wall-clock time, no
host and no bucket enter it, so a re-emit of the same fact after a crash lands on the same key with
the same bytes (idempotent) and a *different* statement can never hide under an existing id. The
stored body is the fact itself and nothing time-dependent; when it was emitted is recorded in the
emitter's log line instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from fraud_platform.core.canonical import canonical_bytes, canonical_file_bytes, parse_json_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import EVIDENCE_INVALID, FACT_INVALID
from fraud_platform.obs.evidence import RUN_ID_REGEX, validate_platform_run_id
from fraud_platform.obs.families import lookup_family

__all__ = [
    "FACT_SCHEMA_VERSION",
    "Fact",
    "FactPins",
    "build_fact",
    "compute_event_id",
    "fact_document",
    "fact_file_bytes",
    "parse_fact",
    "run_pins",
]

FACT_SCHEMA_VERSION: Final = "fp.obs.governance_fact.v1"
_TIME_KEY_SUFFIX = "_at_utc"
_SCALAR = (str, int, bool, type(None))


class FactPins(BaseModel):
    """What a fact is about: the run, its profile and whether it is a rehearsal, plus optional pins.

    Extra pins (e.g. `scenario_run_id`, `component`) are allowed but must be scalars, so a pin can
    always be compared for equality.
    """

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    platform_run_id: str = Field(pattern=RUN_ID_REGEX)
    profile: str = Field(min_length=1)
    rehearsal: bool


class Fact(BaseModel):
    """The stored and published form of a fact (`governance/{family}/{event_id}.json`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    schema_version: Literal["fp.obs.governance_fact.v1"]
    event_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    family: str
    pins: FactPins
    details: dict[str, JsonValue]
    actor: str = Field(min_length=1)


def compute_event_id(family: str, pins: Mapping[str, Any], details: Mapping[str, Any]) -> str:
    """sha256 (lowercase hex) of cj1 `{"family", "pins", "details"}`: the same fact, the same id."""
    return sha256_hex(canonical_bytes({"family": family, "pins": dict(pins), "details": dict(details)}))


def _time_keys(value: Any, path: str = "details") -> list[str]:
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).endswith(_TIME_KEY_SUFFIX):
                found.append(f"{path}.{key}")
            found.extend(_time_keys(item, f"{path}.{key}"))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(_time_keys(item, f"{path}[{index}]"))
    return found


def build_fact(family: str, pins: Mapping[str, Any], details: Mapping[str, Any], actor: str) -> Fact:
    """Validate and identify a fact.

    Raises:
        FailClosed(FACT_FAMILY_UNKNOWN): the family is not registered.
        FailClosed(RUN_ID_INVALID): `pins.platform_run_id` is malformed.
        FailClosed(FACT_INVALID): pins incomplete or not scalar, a required detail missing, a
            wall-clock field (`*_at_utc`) in the details, or anything that is not cj1 JSON.
    """
    registered = lookup_family(family)
    validate_platform_run_id(str(pins.get("platform_run_id", "")))
    not_scalar = sorted(key for key, value in pins.items() if not isinstance(value, _SCALAR))
    if not_scalar:
        raise FailClosed(FACT_INVALID, f"pins must be scalars: {not_scalar}", {"family": family})
    missing = sorted(registered.required_details - set(details))
    if missing:
        raise FailClosed(FACT_INVALID, f"{family} facts require details {missing}", {"family": family})
    time_keys = _time_keys(details)
    if time_keys:
        raise FailClosed(
            FACT_INVALID,
            f"wall-clock fields would make the event_id time-dependent: {time_keys}",
            {"family": family},
        )
    try:
        # Normalise through cj1 first (tuples become lists, keys must be strings, no NaN), so the id
        # is computed from exactly the JSON that is stored and published.
        normal = parse_json_bytes(canonical_bytes({"pins": dict(pins), "details": dict(details)}))
        document = {
            "schema_version": FACT_SCHEMA_VERSION,
            "event_id": compute_event_id(family, normal["pins"], normal["details"]),
            "family": family,
            "pins": normal["pins"],
            "details": normal["details"],
            "actor": actor,
        }
        return Fact.model_validate(document)
    except (ValidationError, TypeError, ValueError) as error:
        raise FailClosed(FACT_INVALID, f"{family} fact is not valid: {error}", {"family": family}) from error


def parse_fact(data: bytes) -> Fact:
    """Read a stored or published fact back and prove its id matches its content.

    Raises:
        FailClosed(EVIDENCE_INVALID): not a fact, or its event_id is not the digest of its content.
    """
    try:
        fact = Fact.model_validate(parse_json_bytes(data))
    except (ValidationError, ValueError) as error:
        raise FailClosed(EVIDENCE_INVALID, f"not a governance fact: {error}") from error
    document = fact_document(fact)
    expected = compute_event_id(fact.family, document["pins"], document["details"])
    if expected != fact.event_id:
        raise FailClosed(
            EVIDENCE_INVALID,
            "a fact's event_id is not the digest of its family, pins and details",
            {"event_id": fact.event_id, "expected": expected},
        )
    return fact


def fact_document(fact: Fact) -> dict[str, Any]:
    """The JSON document of a fact (pins flattened, extra pins kept)."""
    return fact.model_dump(mode="json")


def fact_file_bytes(fact: Fact) -> bytes:
    """The object bytes of a fact: cj1 plus one newline. Deterministic, so a re-emit converges."""
    return canonical_file_bytes(fact_document(fact))


def run_pins(
    platform_run_id: str, profile: str, rehearsal: bool, **extra: str | int | bool | None
) -> dict[str, Any]:
    """The pins every fact of a run carries (`platform_run_id`, `profile`, `rehearsal`) plus `extra`."""
    return {"platform_run_id": platform_run_id, "profile": profile, "rehearsal": rehearsal, **extra}
