"""Lineage events reach an OpenLineage HTTP endpoint through the client's own transport.

The endpoint is a tiny recording HTTP server on 127.0.0.1 (a stand-in for Marquez), started and
stopped by the test; nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fraud_platform.core.errors import TransientError
from fraud_platform.obs._reasons import LINEAGE_SEND_FAILED
from fraud_platform.obs.lineage import (
    LANE_JOBS,
    KafkaDataset,
    S3Dataset,
    build_run_event,
    lineage_run_id,
    send_events,
    validate_event,
)

pytestmark = pytest.mark.integration

RUN = "platform_20261203T080000Z"


class _Recorder(ThreadingHTTPServer):
    received: list[tuple[str, dict[str, Any]]]
    status: int


class _Handler(BaseHTTPRequestHandler):
    server: _Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, json.loads(body)))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder(("127.0.0.1", 0), _Handler)
    server.received = []
    server.status = 201
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _lane_events() -> list[Any]:
    events = []
    for index, job in enumerate(LANE_JOBS):
        for state in ("START", "COMPLETE"):
            events.append(
                build_run_event(
                    platform_run_id=RUN,
                    profile="local_parity",
                    job=job,
                    state=state,
                    event_time=datetime(2026, 12, 3, 8, index, 0 if state == "START" else 30, tzinfo=UTC),
                    inputs=[S3Dataset("fp-object-store", f"fraud-platform/{RUN}/{job}/in/")],
                    outputs=[KafkaDataset("127.0.0.1:39092", "fp.bus.traffic.fraud.v1")],
                )
            )
    return events


def test_every_lane_event_is_posted_and_arrives_valid(recorder: _Recorder) -> None:
    url = f"http://127.0.0.1:{recorder.server_address[1]}"
    assert send_events(_lane_events(), url) == 2 * len(LANE_JOBS)
    assert [path for path, _ in recorder.received] == ["/api/v1/lineage"] * (2 * len(LANE_JOBS))
    for _, payload in recorder.received:
        validate_event(payload)
    received = [(p["job"]["name"], p["eventType"], p["run"]["runId"]) for _, p in recorder.received]
    assert received[:2] == [
        ("lane.land", "START", lineage_run_id(RUN, "land")),
        ("lane.land", "COMPLETE", lineage_run_id(RUN, "land")),
    ]
    assert received[-1] == ("lane.reconcile", "COMPLETE", lineage_run_id(RUN, "reconcile"))


def test_a_refusing_endpoint_is_a_transient_failure(recorder: _Recorder) -> None:
    recorder.status = 503
    url = f"http://127.0.0.1:{recorder.server_address[1]}"
    with pytest.raises(TransientError) as caught:
        send_events(_lane_events()[:1], url)
    assert caught.value.code == LINEAGE_SEND_FAILED
    assert caught.value.refs["sent_before"] == 0
    assert len(recorder.received) == 1  # no retry: the lane decides whether to re-send


def test_an_endpoint_that_is_not_listening_is_a_transient_failure() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    server.server_close()
    with pytest.raises(TransientError) as caught:
        send_events(_lane_events()[:1], f"http://127.0.0.1:{port}", timeout_s=2.0)
    assert caught.value.code == LINEAGE_SEND_FAILED
