"""The WSP side of `bench stream`, run as its own process: `python -m bench._stream_wsp RUN_ID BATCH`.

It is `fp wsp consume --once` (the same `WspRuntime`, the `wsp` principal's token, every row of the
views READY names) with one addition: the IG client's HTTP transport is wrapped so that each batch's
admission latency is measured where WSP sees it, from the start of the POST until IG's 200 body has
been read. The process prints one JSON line: WSP's per-output counts, the latencies, the streaming
span (first POST to last answer, monotonic clock), its own peak RSS and CPU seconds.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import httpx

from fraud_platform.config import load_profile
from fraud_platform.config.service_tokens import service_token
from fraud_platform.core.gc_settle import settle_garbage_collector
from fraud_platform.wsp import WSP_ROLE, StreamOptions, WspRuntime

__all__ = ["TimedTransport", "main"]


class TimedTransport(httpx.BaseTransport):
    """Wraps a transport; records POST→200 seconds per batch and the span of all requests."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.latencies_s: list[float] = []
        self.first_start: float | None = None
        self.last_end: float | None = None
        self.non_200 = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        if self.first_start is None:
            self.first_start = started
        response = self._inner.handle_request(request)
        response.read()
        ended = time.monotonic()
        self.last_end = ended
        if response.status_code == 200:
            self.latencies_s.append(ended - started)
        else:
            self.non_200 += 1
        return response

    def close(self) -> None:
        self._inner.close()


def main(argv: list[str]) -> int:
    platform_run_id, batch_size = argv[0], int(argv[1])
    profile = load_profile("local_parity")
    timed = TimedTransport(httpx.HTTPTransport())
    started = time.monotonic()
    with WspRuntime.open(profile, service_token(profile, WSP_ROLE), role=WSP_ROLE, transport=timed) as wsp:
        settle_garbage_collector()  # as `fp wsp consume` does before it streams
        report = wsp.consume(platform_run_id, StreamOptions(None, batch_size), once=True)
    ended = time.monotonic()
    ready = report.ready
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "outcome": None if ready is None else str(ready.outcome),
        "code": None if ready is None else ready.code,
        "outputs": {} if ready is None else ready.outputs,
        "latencies_s": timed.latencies_s,
        "non_200": timed.non_200,
        "stream_span_s": (timed.last_end or 0.0) - (timed.first_start or 0.0),
        "process_span_s": ended - started,
        "peak_rss_kib": usage.ru_maxrss,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }
    print(json.dumps(result), flush=True)
    return 0 if ready is not None and str(ready.outcome) == "STREAMED" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
