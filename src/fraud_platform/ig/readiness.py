"""Which runs SR declared READY: IG reads the write-once `ready_signal` by reference, cached per run.

An event names its `platform_run_id` and `scenario_run_id`; SR pins the exact READY message it
published at `fraud-platform/{platform_run_id}/sr/ready_signal/{scenario_run_id}.json` (write-once).
IG reads that object and trusts nothing else: a run without it is not READY (the event is
quarantined, never admitted). A found READY is cached for the life of the process (the object can
never change); an absent one is re-checked after `negative_ttl_s`, because SR may declare the run
READY a moment later. A store that cannot be reached raises TransientError (the request gets 503).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pydantic import ValidationError

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock
from fraud_platform.sr.messages import ControlMessage, ReadyPayload
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["ReadyBook", "ReadyLookup", "ready_signal_location"]


def ready_signal_location(bucket: str, platform_run_id: str, scenario_run_id: str) -> S3Location:
    """Where SR pins the READY message of a scenario run (sr/ledger.py's layout)."""
    return S3Location(bucket, f"fraud-platform/{platform_run_id}/sr/ready_signal/{scenario_run_id}.json")


@dataclass(frozen=True)
class ReadyLookup:
    """The READY payload of a run, or why there is none (`detail`)."""

    payload: ReadyPayload | None
    detail: str


class ReadyBook:
    """Thread-safe cache of READY lookups; one instance per IG process."""

    def __init__(self, store: ObjectStore, bucket: str, clock: Clock, *, negative_ttl_s: float = 2.0) -> None:
        self._store = store
        self._bucket = bucket
        self._clock = clock
        self._negative_ttl_s = negative_ttl_s
        self._lock = threading.Lock()
        self._found: dict[tuple[str, str], ReadyPayload] = {}
        self._absent: dict[tuple[str, str], tuple[float, str]] = {}

    def lookup(self, platform_run_id: str, scenario_run_id: str) -> ReadyLookup:
        """The READY of `(platform_run_id, scenario_run_id)`; TransientError when the store is down."""
        key = (platform_run_id, scenario_run_id)
        now = self._clock.monotonic()
        with self._lock:
            if key in self._found:
                return ReadyLookup(self._found[key], "")
            cached = self._absent.get(key)
            if cached is not None and now - cached[0] < self._negative_ttl_s:
                return ReadyLookup(None, cached[1])
        payload, detail = self._read(platform_run_id, scenario_run_id)
        with self._lock:
            if payload is not None:
                self._found[key] = payload
                self._absent.pop(key, None)
            else:
                self._absent[key] = (now, detail)
        return ReadyLookup(payload, detail)

    def is_ready(self, platform_run_id: str) -> bool:
        """Whether this process has seen a READY for any scenario run of `platform_run_id` (cache only)."""
        with self._lock:
            return any(run == platform_run_id for run, _scenario in self._found)

    def _read(self, platform_run_id: str, scenario_run_id: str) -> tuple[ReadyPayload | None, str]:
        location = ready_signal_location(self._bucket, platform_run_id, scenario_run_id)
        try:
            data = self._store.get(location)
        except FailClosed as error:
            if error.code == OBJECT_MISSING:
                return None, f"no READY signal at {location.uri}"
            raise
        try:
            message = ControlMessage.model_validate(parse_json_bytes(data))
        except (ValueError, ValidationError):
            return None, f"the READY signal at {location.uri} breaks the control-message contract"
        payload = message.payload
        if payload.platform_run_id != platform_run_id or payload.scenario_run_id != scenario_run_id:
            return None, f"the READY signal at {location.uri} names another run"
        return payload, ""
