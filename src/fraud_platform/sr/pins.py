"""Which Oracle pack and scenario a run reads: resolved from pins, never guessed.

Sources, by profile:
- the profile's `oracle` section (`dev_min`: `DEV_MIN_ORACLE_ENGINE_RUN_ROOT`, `…_SCENARIO_ID`, and
  optionally `…_STREAM_VIEW_ROOT`; required there, ORACLE_PIN_MISSING otherwise);
- the Oracle root pointer `pointers/oracle/{profile}.json` (read through the Oracle's pointer module),
  which in `local_parity` may supply what the profile leaves null.

Where both exist they must agree (ORACLE_PIN_CONTRADICTS_POINTER: an ambiguous root is refused). The
root must be an `s3://` prefix in the profile's object-store bucket (ORACLE_PIN_NOT_MANAGED), and a
request may only restate the resolved pins (ORACLE_ROOT_MISMATCH, ORACLE_SCENARIO_MISMATCH). Every
refusal happens before SR writes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.check import PackRoot, PointerEntry
from fraud_platform.sr._reasons import (
    ORACLE_PIN_CONTRADICTS_POINTER,
    ORACLE_PIN_MISSING,
    ORACLE_PIN_NOT_MANAGED,
    ORACLE_ROOT_MISMATCH,
    ORACLE_SCENARIO_MISMATCH,
    ORACLE_STREAM_VIEW_ROOT_INVALID,
)

__all__ = ["DEV_MIN_PIN_VARIABLES", "OraclePins", "PointerReader", "resolve_pins"]

DEV_MIN_PIN_VARIABLES = {
    "engine_run_root": "DEV_MIN_ORACLE_ENGINE_RUN_ROOT",
    "scenario_id": "DEV_MIN_ORACLE_SCENARIO_ID",
    "stream_view_root": "DEV_MIN_ORACLE_STREAM_VIEW_ROOT",
}

PointerReader = Callable[[], PointerEntry | None]
"""Returns the profile's current Oracle pointer entry, or None when none was ever set."""


@dataclass(frozen=True)
class OraclePins:
    """The resolved pins of a run: a normalised pack root (ending in `/`) and a scenario."""

    pack_root: str
    scenario_id: str
    stream_view_root: str | None
    source: str

    def to_json(self) -> dict[str, str | None]:
        return {
            "pack_root": self.pack_root,
            "scenario_id": self.scenario_id,
            "stream_view_root": self.stream_view_root,
            "source": self.source,
        }


def _managed_root(value: str, what: str, bucket: str) -> PackRoot:
    """A pack root in the profile's object-store bucket, or ORACLE_PIN_NOT_MANAGED."""
    if not value.startswith("s3://"):
        raise FailClosed(
            ORACLE_PIN_NOT_MANAGED, f"{what} must be an s3:// pack root, got {value!r}", {"pin": what}
        )
    try:
        root = PackRoot.parse(value)
    except FailClosed as error:
        raise FailClosed(ORACLE_PIN_NOT_MANAGED, f"{what}: {error.detail}", {"pin": what}) from error
    if root.location.bucket != bucket:
        raise FailClosed(
            ORACLE_PIN_NOT_MANAGED,
            f"{what} is in bucket {root.location.bucket!r}, not the profile's object-store bucket {bucket!r}",
            {"pin": what, "root": root.uri},
        )
    return root


def _profile_pins(profile: Profile) -> tuple[str | None, str | None, str | None]:
    oracle = profile.oracle
    if profile.profile == "dev_min":
        missing = [
            DEV_MIN_PIN_VARIABLES[name]
            for name, value in (
                ("engine_run_root", oracle.engine_run_root),
                ("scenario_id", oracle.scenario_id),
            )
            if not value
        ]
        if missing:
            raise FailClosed(
                ORACLE_PIN_MISSING,
                f"dev_min needs explicit Oracle pins: {', '.join(missing)} not set",
                {"missing": missing},
            )
    return oracle.engine_run_root, oracle.scenario_id, oracle.stream_view_root


def _stream_view_root(value: str | None, root: PackRoot, bucket: str) -> str | None:
    if value is None:
        return None
    if not value.startswith("s3://"):
        raise FailClosed(
            ORACLE_PIN_NOT_MANAGED,
            f"the stream-view root must be s3://, got {value!r}",
            {"pin": "stream_view_root"},
        )
    views = value if value.endswith("/") else value + "/"
    if not views.startswith(root.uri) or views == root.uri or ".." in views[len(root.uri) :].split("/"):
        raise FailClosed(
            ORACLE_STREAM_VIEW_ROOT_INVALID,
            f"the stream-view root {views} does not sit under the pack root {root.uri}",
            {"stream_view_root": views, "pack_root": root.uri, "bucket": bucket},
        )
    return views


def resolve_pins(
    profile: Profile,
    pointer: PointerReader,
    *,
    requested_root: str | None = None,
    requested_scenario: str | None = None,
) -> OraclePins:
    """Resolve the run's pack root and scenario from the profile pins and the Oracle pointer.

    Raises FailClosed: ORACLE_PIN_MISSING, ORACLE_PIN_NOT_MANAGED, ORACLE_PIN_CONTRADICTS_POINTER,
    ORACLE_ROOT_MISMATCH, ORACLE_SCENARIO_MISMATCH, ORACLE_STREAM_VIEW_ROOT_INVALID (and the pointer's
    own errors, e.g. POINTER_INVALID or OBJECT_ACCESS_DENIED). Reads only the pointer; writes nothing.
    """
    bucket = profile.object_store.object_store_bucket
    pin_root_text, pin_scenario, pin_views = _profile_pins(profile)
    pin_root = _managed_root(pin_root_text, "oracle.engine_run_root", bucket) if pin_root_text else None
    entry = pointer()
    pointed_root = _managed_root(entry.pack_root, "the Oracle pointer", bucket) if entry is not None else None
    if entry is not None and pointed_root is not None:
        contradictions = []
        if pin_root is not None and pin_root.uri != pointed_root.uri:
            contradictions.append(f"root {pin_root.uri} vs pointer {pointed_root.uri}")
        if pin_scenario and pin_scenario != entry.scenario_id:
            contradictions.append(f"scenario {pin_scenario} vs pointer {entry.scenario_id}")
        if contradictions:
            raise FailClosed(
                ORACLE_PIN_CONTRADICTS_POINTER,
                "; ".join(contradictions),
                {"pointer_seq": entry.seq, "profile": profile.profile},
            )
    root = pin_root or pointed_root
    scenario = pin_scenario or (entry.scenario_id if entry is not None else None)
    if root is None or not scenario:
        raise FailClosed(
            ORACLE_PIN_MISSING,
            f"profile {profile.profile} pins no Oracle pack root/scenario and no Oracle pointer is set",
            {"profile": profile.profile},
        )
    if requested_root is not None:
        asked = _managed_root(requested_root, "the requested root", bucket)
        if asked.uri != root.uri:
            raise FailClosed(
                ORACLE_ROOT_MISMATCH,
                f"the request names {asked.uri}, the pins say {root.uri}",
                {"requested": asked.uri, "pinned": root.uri},
            )
    if requested_scenario is not None and requested_scenario != scenario:
        raise FailClosed(
            ORACLE_SCENARIO_MISMATCH,
            f"the request names scenario {requested_scenario!r}, the pins say {scenario!r}",
            {"requested": requested_scenario, "pinned": scenario},
        )
    source = "profile" if pin_root is not None and pin_scenario else "pointer"
    if entry is not None and source == "profile":
        source = "profile+pointer"
    return OraclePins(root.uri, scenario, _stream_view_root(pin_views, root, bucket), source)
