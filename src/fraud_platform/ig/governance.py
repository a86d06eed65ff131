"""IG's governance facts: which runs an IG process served (start/ready/stop) and quarantine spikes.

IG is not started per run, so its lifecycle facts are per run it *serves*: the first batch that
admits events of a run makes this process emit COMPONENT_STARTED and COMPONENT_READY for that run
(`component: ig`, the process's holder id), and stopping the process emits COMPONENT_STOPPED for
every run it served. A batch that quarantines at least `spike_threshold` events of one run emits
IG_QUARANTINE_SPIKE (with the reasons counted and the batch id that holds the payloads). Facts are
content-identified, so emitting the same statement again is idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.facts import run_pins
from fraud_platform.obs.families import (
    COMPONENT_READY,
    COMPONENT_STARTED,
    COMPONENT_STOPPED,
    register_family,
)

__all__ = ["IG_QUARANTINE_SPIKE", "IgGovernance"]

IG_QUARANTINE_SPIKE = register_family(
    "IG_QUARANTINE_SPIKE",
    "one IG batch quarantined at least the spike threshold of a run's events",
    owner="ig",
    required_details=("component", "batch_id", "quarantined", "reasons"),
)

_COMPONENT = "ig"


class IgGovernance:
    """Emits IG's facts through one emitter; thread-safe, remembers the runs it served."""

    def __init__(
        self, emitter: FactEmitter, *, profile: str, rehearsal: bool, holder: str, spike_threshold: int = 10
    ) -> None:
        self._emitter = emitter
        self._profile = profile
        self._rehearsal = rehearsal
        self._holder = holder
        self._threshold = spike_threshold
        self._served: set[str] = set()
        self._lock = threading.Lock()

    def _emit(self, family: str, platform_run_id: str, details: Mapping[str, object]) -> None:
        pins = run_pins(platform_run_id, self._profile, self._rehearsal, component=_COMPONENT)
        self._emitter.emit_fact(family, pins, {"component": _COMPONENT, **details}, actor=_COMPONENT)

    def batch_done(
        self, admitted_runs: set[str], quarantined: Mapping[str, Mapping[str, int]], batch_id: str
    ) -> None:
        """Facts after one batch: first service of a run, and quarantine spikes per run."""
        with self._lock:
            fresh = sorted(admitted_runs - self._served)
        for platform_run_id in fresh:
            self._emit(COMPONENT_STARTED, platform_run_id, {"holder": self._holder})
            self._emit(COMPONENT_READY, platform_run_id, {"holder": self._holder})
            with self._lock:
                self._served.add(platform_run_id)
        for platform_run_id, reasons in sorted(quarantined.items()):
            count = sum(reasons.values())
            if count >= self._threshold:
                self._emit(
                    IG_QUARANTINE_SPIKE,
                    platform_run_id,
                    {"batch_id": batch_id, "quarantined": count, "reasons": dict(sorted(reasons.items()))},
                )

    def stopped(self) -> None:
        """COMPONENT_STOPPED for every run this process served."""
        with self._lock:
            served = sorted(self._served)
        for platform_run_id in served:
            self._emit(COMPONENT_STOPPED, platform_run_id, {"holder": self._holder})
