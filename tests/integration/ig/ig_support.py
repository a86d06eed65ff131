"""Helpers of the IG integration tests, imported by `conftest.py` and the test modules.

A READY run is the write-once `ready_signal` object SR pins (a `ControlMessage` built with SR's own
models) under a fresh platform run id, so every test has runs of its own on the shared topics.
"""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from fraud_platform.eb.envelope import event_id_for
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

BASELINE = "s2_event_stream_baseline_6B"
ARRIVALS = "arrival_events_5B"
FP_EXECUTABLE = str(Path(sys.executable).with_name("fp"))


@dataclass(frozen=True)
class IgSite:
    """Where the IG tests live: an FP_HOME, its env, the object store and the tokens."""

    substrates: LocalSubstrates
    home: Path
    env: dict[str, str]
    store: ObjectStore
    bucket: str
    evidence_bucket: str
    tokens: dict[str, Any]

    def facts(self, platform_run_id: str, family: str) -> list[dict[str, Any]]:
        prefix = S3Location(self.evidence_bucket, f"evidence/runs/{platform_run_id}/governance/{family}/")
        return [
            json.loads(self.store.get(S3Location(self.evidence_bucket, o.key)))
            for o in self.store.list(prefix)
        ]

    @property
    def wsp_token(self) -> str:
        return str(self.tokens["tokens"]["wsp"])

    @property
    def signing_key(self) -> str:
        return str(self.tokens["signing_keys"]["ig"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class IgServer:
    """One `fp ig serve` subprocess."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@dataclass(frozen=True)
class ReadyRun:
    """A platform + scenario run with a READY signal, and the world its events must carry."""

    platform_run_id: str
    scenario_run_id: str
    world: WorldKey
    intended: tuple[str, ...]

    def envelope(self, output_id: str, payload: dict[str, Any], key: list[object]) -> dict[str, Any]:
        return {
            "event_id": event_id_for(output_id, key, self.world),
            "event_type": output_id,
            "schema_version": "v1",
            "ts_utc": payload.get("ts_utc"),
            "platform_run_id": self.platform_run_id,
            "scenario_run_id": self.scenario_run_id,
            "manifest_fingerprint": self.world.manifest_fingerprint,
            "parameter_hash": self.world.parameter_hash,
            "seed": self.world.seed,
            "scenario_id": self.world.scenario_id,
            "producer": "ig-it",
            "payload": payload,
        }

    def baseline(self, flow_id: int, event_seq: int = 0, amount: float = 12.5) -> dict[str, Any]:
        payload = {
            "flow_id": flow_id,
            "event_seq": event_seq,
            "event_type": "AUTH_REQUEST",
            "ts_utc": f"2026-01-01T00:{flow_id % 60:02d}:00.000000Z",
            "amount": amount,
        }
        return self.envelope(BASELINE, payload, [flow_id, event_seq])

    def arrival(self, merchant_id: int, arrival_seq: int) -> dict[str, Any]:
        payload = {
            "merchant_id": merchant_id,
            "arrival_seq": arrival_seq,
            "ts_utc": "2026-01-01T00:00:00.000000Z",
            "bucket_index": 3,
            "tzid_primary": "Europe/Paris",
            "ts_local_primary": "2026-01-01T01:00:00",
            "is_virtual": False,
            "channel_group": None,
        }
        return self.envelope(ARRIVALS, payload, [merchant_id, arrival_seq])


def new_platform_run_id() -> str:
    moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=random.SystemRandom().randrange(10**9))
    return moment.strftime("platform_%Y%m%dT%H%M%SZ")


def random_hex(n: int) -> str:
    return uuid.uuid4().hex * 2 if n == 64 else uuid.uuid4().hex


@dataclass
class TopicReader:
    """An independent consumer (fresh group, earliest) of the traffic/context topics.

    It never reads high watermarks: it polls until the expected records of a run arrived, then keeps
    polling until the topics have been idle for `settle_s`, so an extra copy would be seen.
    """

    consumer: Any
    seen: dict[str, list[BusMessage]] = field(default_factory=dict)

    def _pump(self, timeout_s: float) -> bool:
        message = self.consumer.poll(timeout_s)
        if message is None:
            return False
        run = message.headers.get("platform_run_id", b"").decode()
        self.seen.setdefault(run, []).append(message)
        return True

    def records_for(
        self, platform_run_id: str, expect: int, *, deadline_s: float = 40.0, settle_s: float = 2.0
    ) -> list[BusMessage]:
        deadline = time.monotonic() + deadline_s
        while len(self.seen.get(platform_run_id, [])) < expect and time.monotonic() < deadline:
            self._pump(0.5)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < settle_s and time.monotonic() < deadline:
            if self._pump(0.25):
                idle_since = time.monotonic()
        return list(self.seen.get(platform_run_id, []))


def post_batch(url: str, token: str, events: list[dict[str, Any]], timeout: float = 60.0) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/ingest/batch",
        json={"events": events},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )
