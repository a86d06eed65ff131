"""The HTTP readiness probe against a real loopback server (IG's `/readyz` shape)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from fraud_platform.operate.processes import HttpReady

pytestmark = pytest.mark.integration


@pytest.fixture
def status_server() -> Iterator[tuple[str, list[int]]]:
    """A loopback server answering /readyz with the status at the head of a list the test controls."""
    statuses = [503]

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/readyz", statuses
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_http_probe_is_ready_only_on_200(status_server: tuple[str, list[int]]) -> None:
    url, statuses = status_server
    probe = HttpReady(url, attempt_timeout_s=1.0)
    assert probe.is_ready(0.0) is False
    statuses[0] = 200
    assert probe.is_ready(0.0) is True


def test_http_probe_treats_refused_connection_as_not_yet() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert HttpReady(f"http://127.0.0.1:{port}/readyz", attempt_timeout_s=0.2).is_ready(5.0) is False
