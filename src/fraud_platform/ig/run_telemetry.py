"""IG's S3 and Kafka telemetry split per run, written as the run's telemetry parts like every component.

Why IG cannot use the process-wide counters as the other components do: SR, WSP and the demo serve
one run per process, so "everything this process moved since the baseline" is that run's data
movement. One IG process serves every run at once, so its process counters mix them. IG therefore
counts, per `platform_run_id`, the bytes it moves *on behalf of* that run where it moves them:

- Kafka: each record IG produces for an event of the run (topic, `len(key) + len(value)`, the same
  accounting as `substrate.telemetry`);
- S3: each receipt and quarantine object it writes under the run's folder (`PutObject`, body bytes).

What is not attributed to any run stays process-level only: `/readyz` probes, the cached READY
reads (one per run and process, shared by every batch), the receipt index in the state store, and
records of events whose run id is unusable (their receipts go to `_unattributed`).

The counters are cumulative per run, shaped like `substrate.telemetry.snapshot()`, so a
`obs.telemetry.TelemetryRecorder` per run writes them as deltas (`component: ig`) and the run's
`telemetry.json` rollup adds them to the other components' parts. Thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from fraud_platform.core.time import Clock
from fraud_platform.obs.telemetry import TelemetryRecorder, rollup_telemetry
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["IG_TELEMETRY_PHASE", "RunTelemetry"]

IG_TELEMETRY_PHASE = "ig"
_ROLE = "ig"


@dataclass
class _RunCounters:
    s3_puts: int = 0
    s3_bytes: int = 0
    kafka: dict[str, list[int]] = field(default_factory=dict)  # topic -> [messages, bytes]


class RunTelemetry:
    """Per-run counters of one IG process, and the recorders that write them as telemetry parts."""

    def __init__(self, store: ObjectStore, evidence_bucket: str, clock: Clock) -> None:
        self._store = store
        self._bucket = evidence_bucket
        self._clock = clock
        self._runs: dict[str, _RunCounters] = {}
        self._recorders: dict[str, TelemetryRecorder] = {}
        self._lock = threading.Lock()

    def produced(self, platform_run_id: str, topic: str, nbytes: int, *, messages: int = 1) -> None:
        """`messages` records of the run (`nbytes` in all) acknowledged by the broker on `topic`."""
        with self._lock:
            counter = self._runs.setdefault(platform_run_id, _RunCounters()).kafka.setdefault(topic, [0, 0])
            counter[0] += messages
            counter[1] += nbytes

    def put(self, platform_run_id: str, nbytes: int) -> None:
        """One object written under the run's folder."""
        with self._lock:
            counters = self._runs.setdefault(platform_run_id, _RunCounters())
            counters.s3_puts += 1
            counters.s3_bytes += nbytes

    def runs(self) -> list[str]:
        """The runs this process moved data for, sorted."""
        with self._lock:
            return sorted(self._runs)

    def snapshot(self, platform_run_id: str) -> dict[str, Any]:
        """The run's cumulative counters in the shape of `substrate.telemetry.snapshot()`."""
        with self._lock:
            counters = self._runs.get(platform_run_id, _RunCounters())
            kafka = {topic: list(values) for topic, values in sorted(counters.kafka.items())}
            puts, put_bytes = counters.s3_puts, counters.s3_bytes
        s3: dict[str, Any] = {}
        if puts:
            s3 = {
                _ROLE: {
                    "PutObject": {"requests": puts, "errors": 0, "bytes_sent": put_bytes, "bytes_received": 0}
                }
            }
        kafka_part: dict[str, Any] = {}
        if kafka:
            kafka_part = {
                _ROLE: {topic: {"produce": {"messages": m, "bytes": b}} for topic, (m, b) in kafka.items()}
            }
        totals: Mapping[str, int] = {
            "s3_requests": puts,
            "s3_bytes_sent": put_bytes,
            "kafka_messages_produced": sum(m for m, _ in kafka.values()),
            "kafka_bytes_produced": sum(b for _, b in kafka.values()),
        }
        return {"s3": s3, "kafka": kafka_part, "totals": dict(sorted(totals.items()))}

    def record(self) -> dict[str, S3Location]:
        """Write each served run's movement since its previous part, then roll the run's telemetry up.

        One recorder per run, kept for the process's life, so successive calls write deltas that never
        overlap. Returns the part written per run.
        """
        written: dict[str, S3Location] = {}
        for platform_run_id in self.runs():
            with self._lock:
                recorder = self._recorders.get(platform_run_id)
                if recorder is None:
                    recorder = TelemetryRecorder(
                        self._store,
                        self._bucket,
                        platform_run_id,
                        "ig",
                        snapshot=partial(self.snapshot, platform_run_id),
                        clock=self._clock,
                        baseline={},
                    )
                    self._recorders[platform_run_id] = recorder
            written[platform_run_id] = recorder.record(IG_TELEMETRY_PHASE)
            rollup_telemetry(self._store, self._bucket, platform_run_id)
        return written
