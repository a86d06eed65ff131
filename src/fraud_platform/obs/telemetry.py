"""Run-scoped telemetry: what each process of a run moved (S3 requests/bytes, Kafka messages/bytes).

Why parts plus a rollup, and not one `telemetry.json` rewritten in place:
- The counters (`fraud_platform.substrate.telemetry.snapshot()`) are per process and cumulative,
  and a run spans several processes (mint, preflight, daemons), each writing more than once.
- So each :meth:`TelemetryRecorder.record` writes an immutable part
  `evidence/runs/{id}/telemetry_parts/{seq:06d}.json` (phase and writer in the body) holding the
  *delta* since this recorder's previous part. Parts never overlap, so the run's total is their
  plain sum; the seq is claimed with `put_if_absent` on the bare number (no lock, no
  read-modify-write, concurrent writers each get their own number; see `obs.evidence`).
- `telemetry.json` is the rollup: the sum of all parts, deterministic in the set of parts, moved
  by compare-and-swap (`substrate.objectstore.cas`) and only ever growing: each roller reads the
  rollup before it lists the parts, and a rollup missing a part already counted is never written.
  It can be rebuilt from the parts at any time, so a lost race or a crash between a part and the
  rollup loses nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, SystemClock, format_utc
from fraud_platform.obs._reasons import EVIDENCE_CAS_CONTENDED, TELEMETRY_INVALID, TELEMETRY_ROLLUP_REGRESSED
from fraud_platform.obs.evidence import RUN_ID_REGEX, RunEvidence, append_to_sequence
from fraud_platform.substrate import telemetry as substrate_telemetry
from fraud_platform.substrate.objectstore.cas import cas_update
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "TELEMETRY_PART_SCHEMA_VERSION",
    "TELEMETRY_ROLLUP_SCHEMA_VERSION",
    "TelemetryPart",
    "TelemetryRecorder",
    "TelemetryRollup",
    "TelemetryWindow",
    "counters_add",
    "counters_delta",
    "read_telemetry_part",
    "rollup_telemetry",
]

TELEMETRY_PART_SCHEMA_VERSION: Final = "fp.obs.telemetry_part.v1"
TELEMETRY_ROLLUP_SCHEMA_VERSION: Final = "fp.obs.telemetry.v1"
_PHASE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_MAX_ROLLUP_ATTEMPTS = 8

Counters = dict[str, Any]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TelemetryWindow(_Document):
    """The interval a part covers: from the previous part (or the recorder's start) to this one."""

    from_utc: str
    to_utc: str


class TelemetryPart(_Document):
    """The contract of `telemetry_parts/{seq:06d}.json`: one process's delta over a window."""

    schema_version: Literal["fp.obs.telemetry_part.v1"]
    platform_run_id: str = Field(pattern=RUN_ID_REGEX)
    seq: int = Field(ge=1)
    phase: str = Field(pattern=_PHASE_PATTERN.pattern)
    component: str
    writer: str = Field(description="random token of the writing recorder")
    window: TelemetryWindow
    counters: dict[str, JsonValue] = Field(description="nested counters, deltas over the window")


class TelemetryRollup(_Document):
    """The contract of `telemetry.json`: the sum of every part listed."""

    schema_version: Literal["fp.obs.telemetry.v1"]
    platform_run_id: str = Field(pattern=RUN_ID_REGEX)
    parts: list[str]
    counters: dict[str, JsonValue]


def _check_counter(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Mapping):
        raise FailClosed(TELEMETRY_INVALID, f"{path} is {type(value).__name__}, not a counter or mapping")


def counters_delta(current: Mapping[str, Any], previous: Mapping[str, Any]) -> Counters:
    """`current - previous` leaf by leaf for nested counters; zero leaves and empty branches dropped.

    Raises FailClosed(TELEMETRY_INVALID) for a non-numeric leaf or a counter that went backwards
    (cumulative counters only grow; a drop means two snapshots from different processes were mixed).
    """
    delta: Counters = {}
    for key, value in current.items():
        _check_counter(value, key)
        before = previous.get(key, {} if isinstance(value, Mapping) else 0)
        if isinstance(value, Mapping):
            if not isinstance(before, Mapping):
                raise FailClosed(TELEMETRY_INVALID, f"{key} changed from a counter to a mapping")
            nested = counters_delta(value, before)
            if nested:
                delta[key] = nested
            continue
        _check_counter(before, key)
        if isinstance(before, Mapping):
            raise FailClosed(TELEMETRY_INVALID, f"{key} changed from a mapping to a counter")
        if value < before:
            raise FailClosed(TELEMETRY_INVALID, f"counter {key} went backwards ({before} -> {value})")
        if value != before:
            delta[key] = value - before
    return delta


def counters_add(total: Mapping[str, Any], more: Mapping[str, Any]) -> Counters:
    """Leaf-by-leaf sum of two nested counter mappings (a new mapping; inputs untouched)."""
    result: Counters = {key: value for key, value in total.items()}
    for key, value in more.items():
        _check_counter(value, key)
        if isinstance(value, Mapping):
            existing = result.get(key, {})
            if not isinstance(existing, Mapping):
                raise FailClosed(TELEMETRY_INVALID, f"{key} is a counter in one part, a mapping in another")
            result[key] = counters_add(existing, value)
        else:
            existing = result.get(key, 0)
            if isinstance(existing, Mapping):
                raise FailClosed(TELEMETRY_INVALID, f"{key} is a mapping in one part, a counter in another")
            result[key] = existing + value
    return result


class TelemetryRecorder:
    """Writes the telemetry parts of one process for one run.

    Not thread-safe (one recorder per process and run). Each `record` blocks until its part is durable.
    """

    def __init__(
        self,
        store: ObjectStore,
        evidence_bucket: str,
        platform_run_id: str,
        component: str,
        *,
        snapshot: Callable[[], Mapping[str, Any]] | None = None,
        clock: Clock | None = None,
        baseline: Mapping[str, Any] | None = None,
        writer_token: str | None = None,
    ) -> None:
        """`baseline`: the snapshot to count from (None: from process start, all counters so far).

        `snapshot` defaults to `fraud_platform.substrate.telemetry.snapshot` (this process's counters).
        """
        self._store = store
        self._run = RunEvidence(evidence_bucket, platform_run_id)
        self._component = component
        self._snapshot = snapshot or substrate_telemetry.snapshot
        self._clock: Clock = clock or SystemClock()
        self._previous: Mapping[str, Any] = dict(baseline or {})
        self._previous_at = format_utc(self._clock.now())
        # Distinguishes two processes writing equal deltas, so a claim never mistakes another
        # writer's part for its own retry.
        self._writer = writer_token or secrets.token_hex(8)

    def record(self, phase: str) -> S3Location:
        """Write the delta since the previous part as `telemetry_parts/{seq:06d}.json`; return its location."""
        if not _PHASE_PATTERN.match(phase):
            raise FailClosed(TELEMETRY_INVALID, f"phase {phase!r} must match {_PHASE_PATTERN.pattern}")
        current = dict(self._snapshot())
        delta = counters_delta(current, self._previous)
        now = format_utc(self._clock.now())

        def body_for(seq: int) -> bytes:
            part = TelemetryPart(
                schema_version=TELEMETRY_PART_SCHEMA_VERSION,
                platform_run_id=self._run.platform_run_id,
                seq=seq,
                phase=phase,
                component=self._component,
                writer=self._writer,
                window=TelemetryWindow(from_utc=self._previous_at, to_utc=now),
                counters=delta,
            )
            return canonical_file_bytes(part.model_dump(mode="json"))

        location, _seq = append_to_sequence(self._store, self._run.telemetry_parts, body_for)
        self._previous = current
        self._previous_at = now
        return location


def _parse_rollup(data: bytes, location: S3Location) -> TelemetryRollup:
    try:
        return TelemetryRollup.model_validate(parse_json_bytes(data))
    except (ValidationError, ValueError) as error:
        raise FailClosed(
            TELEMETRY_INVALID,
            f"{location.uri} is not a telemetry rollup: {error}",
            {"location": location.uri},
        ) from error


def read_telemetry_part(store: ObjectStore, location: S3Location) -> TelemetryPart:
    """One telemetry part as written; anything else is refused (TELEMETRY_INVALID), never skipped."""
    try:
        return TelemetryPart.model_validate(parse_json_bytes(store.get(location)))
    except (ValidationError, ValueError) as error:
        raise FailClosed(
            TELEMETRY_INVALID, f"{location.uri} is not a telemetry part: {error}", {"location": location.uri}
        ) from error


def _grown_rollup(store: ObjectStore, run: RunEvidence, current: TelemetryRollup | None) -> TelemetryRollup:
    """The rollup of every part listed now, built on `current` (read *before* the listing).

    Parts are immutable and never deleted, so a listing taken after `current` was read holds every
    part `current` counts; only the new ones are read and added. A listing that misses one of them
    is refused (TELEMETRY_ROLLUP_REGRESSED), never written: the rollup only ever grows.
    """
    listed = [info.key.rsplit("/", 1)[-1] for info in store.list(run.telemetry_parts)]
    counted = set(current.parts) if current is not None else set()
    missing = sorted(counted - set(listed))
    if missing:
        raise FailClosed(
            TELEMETRY_ROLLUP_REGRESSED,
            f"{run.telemetry_rollup.uri} counts parts the listing no longer shows: {missing[:5]}",
            {"location": run.telemetry_rollup.uri, "missing": missing[:20]},
        )
    total: Counters = dict(current.counters) if current is not None else {}
    for name in listed:
        if name not in counted:
            total = counters_add(total, read_telemetry_part(store, run.telemetry_parts.child(name)).counters)
    return TelemetryRollup(
        schema_version=TELEMETRY_ROLLUP_SCHEMA_VERSION,
        platform_run_id=run.platform_run_id,
        parts=listed,
        counters=total,
    )


def rollup_telemetry(store: ObjectStore, evidence_bucket: str, platform_run_id: str) -> dict[str, Any]:
    """Sum every part of the run into `telemetry.json` (compare-and-swap) and return what stands.

    Order matters: each attempt reads the current rollup and its ETag *first*, then lists the parts,
    so the swap only succeeds for a rollup built on a listing at least as new as what it replaces;
    a slower roller holding an older listing loses the swap, re-reads and re-decides. The document
    depends only on the set of parts (no times of its own), so rolling up with no new parts writes
    nothing.

    Raises:
        FailClosed(TELEMETRY_INVALID): a part or the current rollup breaks its contract.
        FailClosed(TELEMETRY_ROLLUP_REGRESSED): the parts listed miss some the rollup already counts.
        TransientError(EVIDENCE_CAS_CONTENDED): the rollup kept moving under concurrent rollers.
    """
    run = RunEvidence(evidence_bucket, platform_run_id)
    location = run.telemetry_rollup

    def grow(current: bytes | None) -> bytes:
        before = None if current is None else _parse_rollup(current, location)
        if before is not None and before.platform_run_id != platform_run_id:
            raise FailClosed(TELEMETRY_INVALID, f"{location.uri} names run {before.platform_run_id}")
        return canonical_file_bytes(_grown_rollup(store, run, before).model_dump(mode="json"))

    outcome = cas_update(
        store, location, grow, attempts=_MAX_ROLLUP_ATTEMPTS, contended_code=EVIDENCE_CAS_CONTENDED
    )
    if outcome.data is None:  # grow never returns None, so the document exists after a success
        raise FailClosed(TELEMETRY_INVALID, f"{location.uri} is absent after its rollup")
    document: dict[str, Any] = parse_json_bytes(outcome.data)
    return document
