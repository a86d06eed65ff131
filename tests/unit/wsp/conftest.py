"""Fakes for WSP unit tests: a dict-backed object store holding one small view, and a fake IG.

The fake IG is an `httpx.MockTransport` handler (IG is not our substrate); the state store is a real
SQLite file in the test's tmp_path.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import S3Location
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.locator import ViewRef, parse_view_ref
from fraud_platform.wsp.retry import RetryPolicy
from fraud_platform.wsp.state import WspState
from fraud_platform.wsp.verify import VerifiedReady

OUTPUT = "s3_event_stream_with_fraud_6B"
PACK_ROOT = "s3://bucket/oracle-store/ns/run1/"
ATTEMPT = "a" * 16
PLATFORM_RUN = "platform_20260101T000000Z"
SCENARIO_RUN = "b" * 32
WORLD = WorldKey(manifest_fingerprint="c" * 64, parameter_hash="d" * 64, seed=7, scenario_id="baseline_v1")


class DictStore:
    """The two reads WSP's view reader makes (get, get_stream), over a dict of bytes."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.streamed: list[str] = []

    def get(self, location: S3Location) -> bytes:
        if location.uri not in self.objects:
            raise FailClosed(OBJECT_MISSING, location.uri)
        return self.objects[location.uri]

    def get_stream(
        self, location: S3Location, *, chunk_size: int = 1 << 16, if_match: str | None = None
    ) -> Iterator[bytes]:
        data = self.get(location)
        self.streamed.append(location.uri)
        return iter([data[i : i + chunk_size] for i in range(0, len(data), chunk_size)])


def _part(first: int, rows: int) -> bytes:
    table = pa.table(
        {
            "flow_id": pa.array(range(first, first + rows), pa.int64()),
            "event_seq": pa.array([0] * rows, pa.int64()),
            "event_type": pa.array(["auth"] * rows, pa.string()),
            "ts_utc": pa.array(
                [f"2026-01-01T00:00:{i % 60:02d}.000000Z" for i in range(first, first + rows)]
            ),
            "amount": pa.array([1.5] * rows, pa.float64()),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=7)
    return sink.getvalue()


@dataclass
class View:
    """One view of `OUTPUT` with parts of the given sizes, stored in a DictStore."""

    store: DictStore
    ref: ViewRef
    part_uris: list[str]
    rows: int


def build_view(part_rows: list[int]) -> View:
    store = DictStore()
    folder = f"{PACK_ROOT}stream_view/ts_utc/output_id={OUTPUT}/"
    parts: list[dict[str, Any]] = []
    uris: list[str] = []
    first = 0
    for index, rows in enumerate(part_rows):
        data = _part(first, rows)
        name = f"attempt={ATTEMPT}/part-{index:06d}.parquet"
        store.objects[folder + name] = data
        uris.append(folder + name)
        parts.append(
            {"name": name, "rows": rows, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
        first += rows
    manifest = json.dumps(
        {
            "schema_version": "fp.oracle.stream_view_manifest.v1",
            "stream_view_id": "e" * 64,
            "output_id": OUTPUT,
            "attempt_id": ATTEMPT,
            "row_count": first,
            "parts": parts,
        }
    ).encode()
    receipt = b'{"receipt": true}\n'
    manifest_uri = f"{folder}attempt={ATTEMPT}/_stream_view_manifest.json"
    store.objects[manifest_uri] = manifest
    store.objects[folder + "_stream_sort_receipt.json"] = receipt
    ref = parse_view_ref(
        PACK_ROOT,
        OUTPUT,
        {
            "stream_view_id": "e" * 64,
            "attempt_id": ATTEMPT,
            "receipt_uri": folder + "_stream_sort_receipt.json",
            "receipt_sha256": hashlib.sha256(receipt).hexdigest(),
            "view_manifest_uri": manifest_uri,
            "view_manifest_sha256": hashlib.sha256(manifest).hexdigest(),
        },
    )
    return View(store, ref, uris, first)


def verified(ref: ViewRef) -> VerifiedReady:
    return VerifiedReady("f" * 64, PLATFORM_RUN, SCENARIO_RUN, WORLD, PACK_ROOT, (ref,))


@dataclass
class FakeIg:
    """A fake IG: ADMITs new event ids, DUPLICATEs known ones; `script` overrides answers per call."""

    admitted: list[str] = field(default_factory=list)
    calls: int = 0
    script: dict[int, httpx.Response] = field(default_factory=dict)
    seen_auth: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.seen_auth.append(request.headers.get("Authorization", ""))
        if self.calls in self.script:
            return self.script[self.calls]
        events = json.loads(request.content)["events"]
        decisions = []
        for event in events:
            duplicate = event["event_id"] in self.admitted
            if not duplicate:
                self.admitted.append(event["event_id"])
            decisions.append(
                {
                    "event_id": event["event_id"],
                    "decision": "DUPLICATE" if duplicate else "ADMIT",
                    "reason_code": None,
                    "receipt_id": "r" * 8,
                    "eb_ref": {"topic": "t", "partition": 0, "offset": len(self.admitted)},
                }
            )
        return httpx.Response(200, json={"batch_id": f"b{self.calls}", "decisions": decisions})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def state(tmp_path: Path, clock: FixedClock) -> WspState:
    return WspState(open_state_engine(f"sqlite:///{tmp_path / 'wsp.sqlite'}"), clock)


@pytest.fixture
def make_client() -> Callable[..., IgClient]:
    def build(ig: FakeIg, *, attempts: int = 4, slept: list[float] | None = None) -> IgClient:
        sink = slept if slept is not None else []
        return IgClient(
            "http://127.0.0.1:9",
            "tok-secret-123",
            policy=RetryPolicy(max_attempts=attempts, base_s=0.01, cap_s=0.05, max_total_sleep_s=5.0),
            transport=httpx.MockTransport(ig),
            sleep=sink.append,
        )

    return build


@dataclass(frozen=True)
class Kit:
    """The fakes and ids of this folder, handed to tests as one fixture."""

    build_view: Callable[[list[int]], View] = build_view
    verified: Callable[[ViewRef], VerifiedReady] = verified
    fake_ig: type[FakeIg] = FakeIg
    output: str = OUTPUT
    platform_run: str = PLATFORM_RUN
    scenario_run: str = SCENARIO_RUN
    world: WorldKey = WORLD
    pack_root: str = PACK_ROOT


@pytest.fixture
def kit() -> Kit:
    return Kit()
