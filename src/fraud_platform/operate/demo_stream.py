"""The demo's stream leg: READY → `fp ig serve` → `fp wsp consume --once` → Kafka, counted independently.

IG and WSP run as the real CLI children they are in production (each under its own role: `fp ig
serve` always uses `ig`, WSP runs as `wsp`), not as in-process objects, so the demo proves the
commands a user would type. IG is started on a free loopback port, waited for through `GET /readyz`
(S3, broker and state store reachable) under a deadline, and stopped by its PID in a `finally`.

What WSP reports is not taken on trust: a fresh consumer group reads each output's topic from the
earliest offset and counts this run's records by their headers (never by high watermarks, which tansu
gets wrong). The leg fails closed (DEMO_FAILED) unless, per output, sent = admitted + duplicate +
quarantined, and the topic holds exactly `admitted` records with distinct event ids.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from rich.console import Console
from rich.table import Table

from fraud_platform.config import Profile, kafka_settings
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import redact_text
from fraud_platform.eb.envelope import ROUTES
from fraud_platform.operate._reasons import DEMO_FAILED
from fraud_platform.substrate import factory

__all__ = ["DEMO_EVENTS_PER_OUTPUT", "OutputCount", "count_run_records", "reconcile", "stream_through_ig"]

DEMO_EVENTS_PER_OUTPUT = 200
_READY_DEADLINE_S = 60.0
_WSP_DEADLINE_S = 300.0
_TOPIC_DEADLINE_S = 60.0
_DRAIN_IDLE_S = 2.0
_STOP_GRACE_S = 15.0
_LOG_TAIL_BYTES = 3000
_T = TypeVar("_T")


class _StepRunner(Protocol):
    def run(self, title: str, action: Callable[[], _T]) -> _T: ...


@dataclass(frozen=True)
class OutputCount:
    """WSP's counts for one output next to what an independent consumer found on its topic."""

    output_id: str
    topic: str
    sent: int
    admitted: int
    duplicate: int
    quarantined: int
    on_topic: int
    distinct_on_topic: int

    @property
    def problems(self) -> list[str]:
        """Why this output does not reconcile (empty when it does)."""
        found: list[str] = []
        if self.sent != self.admitted + self.duplicate + self.quarantined:
            found.append(
                f"sent {self.sent} != admitted {self.admitted} + duplicate {self.duplicate}"
                f" + quarantined {self.quarantined}"
            )
        if self.on_topic != self.admitted:
            found.append(f"{self.on_topic} record(s) on {self.topic}, {self.admitted} admitted")
        if self.distinct_on_topic != self.on_topic:
            found.append(f"{self.on_topic - self.distinct_on_topic} second copies on {self.topic}")
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fp() -> str:
    """The `fp` console script of the interpreter running the demo (the same install, no PATH lookup)."""
    return str(Path(sys.executable).with_name("fp"))


def _tail(path: Path) -> str:
    data = path.read_bytes()[-_LOG_TAIL_BYTES:] if path.exists() else b""
    return redact_text(data.decode("utf-8", errors="replace"))


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM by PID (IG emits its stop facts), then SIGKILL if it has not gone within the grace."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(_STOP_GRACE_S)


@contextmanager
def _ig_process(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`fp ig serve` on `port` (its output to `log`); always stopped by its PID on the way out."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [_fp(), "ig", "serve", "--port", str(port)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        _stop(process)


def _await_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll `GET /readyz` until 200; DEMO_FAILED (with IG's last answer) if IG exits or the deadline passes."""
    deadline = time.monotonic() + _READY_DEADLINE_S
    last = "no answer"
    while True:
        try:
            answer = httpx.get(f"{url}/readyz", timeout=1.0)
        except httpx.TransportError as error:
            last = type(error).__name__
        else:
            if answer.status_code == 200:
                return
            last = f"HTTP {answer.status_code} {redact_text(answer.text[:_LOG_TAIL_BYTES])}"
        if process.poll() is not None:
            raise FailClosed(
                DEMO_FAILED, f"fp ig serve exited with {process.returncode}: {_tail(log)}", {"log": str(log)}
            )
        if time.monotonic() > deadline:
            raise FailClosed(
                DEMO_FAILED,
                f"IG not ready within {_READY_DEADLINE_S:.0f}s; last /readyz: {last}",
                {"log": str(log)},
            )
        time.sleep(0.2)


def _wsp_consume(env: dict[str, str], platform_run_id: str, log: Path) -> dict[str, Any]:
    """`fp wsp consume --once … --json` under the `wsp` role; its final JSON line, or DEMO_FAILED."""
    command = [_fp(), "wsp", "consume", "--platform-run-id", platform_run_id, "--once", "--json"]
    command += ["--max-events-per-output", str(DEMO_EVENTS_PER_OUTPUT), "--role", "wsp"]
    with log.open("wb") as sink:
        try:
            finished = subprocess.run(
                command, env=env, stdout=subprocess.PIPE, stderr=sink, timeout=_WSP_DEADLINE_S, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise FailClosed(
                DEMO_FAILED, f"fp wsp consume did not finish within {_WSP_DEADLINE_S:.0f}s"
            ) from error
    lines = finished.stdout.decode("utf-8", errors="replace").strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if finished.returncode != 0 or not result.get("ok"):
        code = result.get("code", "no JSON result")
        raise FailClosed(
            DEMO_FAILED,
            f"fp wsp consume exited with {finished.returncode} ({code}): {_tail(log)}",
            {"log": str(log), "code": code},
        )
    return result


def count_run_records(
    profile: Profile, platform_run_id: str, expected: dict[str, int], *, deadline_s: float = _TOPIC_DEADLINE_S
) -> dict[str, Counter[str]]:
    """Per topic, how many times each event id of this run is on it (records counted by their headers).

    A fresh consumer group reads from the earliest offset until every topic shows at least its
    expected count (or the deadline passes), then keeps reading until the topics have been idle for a
    moment, so that a second copy arriving late is still counted. Never uses high watermarks.
    """
    consumer = factory.open_consumer(
        kafka_settings(profile, "reporter"), f"demo-count-{uuid.uuid4().hex}", sorted(expected)
    )
    found: dict[str, Counter[str]] = {topic: Counter() for topic in expected}
    run_header = platform_run_id.encode("ascii")

    def take(timeout: float) -> bool:
        message = consumer.poll(timeout)
        if message is None or message.headers.get("platform_run_id") != run_header:
            return False
        found[message.topic][message.headers.get("event_id", b"").decode("ascii", "replace")] += 1
        return True

    try:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline and any(
            found[topic].total() < want for topic, want in expected.items()
        ):
            take(0.5)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < _DRAIN_IDLE_S:
            if take(0.25):
                idle_since = time.monotonic()
    finally:
        consumer.close()
    return found


def reconcile(
    profile: Profile, platform_run_id: str, result: dict[str, Any], *, deadline_s: float = _TOPIC_DEADLINE_S
) -> list[OutputCount]:
    """WSP's `--json` result next to each output's topic as an independent consumer finds it."""
    outputs: dict[str, dict[str, int]] = result.get("outputs", {})
    if not outputs:
        raise FailClosed(DEMO_FAILED, "fp wsp consume reported no outputs", {"result": result})
    unknown = sorted(set(outputs) - set(ROUTES))
    if unknown:
        raise FailClosed(DEMO_FAILED, f"WSP streamed outputs without a route: {unknown}")
    expected = {ROUTES[output].topic: counts["admitted"] for output, counts in outputs.items()}
    on_topics = count_run_records(profile, platform_run_id, expected, deadline_s=deadline_s)
    rows: list[OutputCount] = []
    for output_id, counts in sorted(outputs.items()):
        topic = ROUTES[output_id].topic
        ids = on_topics[topic]
        rows.append(
            OutputCount(
                output_id,
                topic,
                counts["sent"],
                counts["admitted"],
                counts["duplicate"],
                counts["quarantined"],
                ids.total(),
                len(ids),
            )
        )
    return rows


def _table(rows: list[OutputCount]) -> Table:
    table = Table(
        title="WSP → IG → Kafka per output: sent, admitted, duplicate, quarantined, records on its topic",
        caption="records on topic: counted by an independent consumer (fresh group, by headers)",
    )
    table.add_column("output", no_wrap=True, min_width=29)
    for name in ("sent", "admit", "dup", "quar", "on topic"):
        table.add_column(name, justify="right")
    for row in rows:
        mark = "" if not row.problems else " [red]✗[/red]"
        table.add_row(
            row.output_id,
            f"{row.sent:,}",
            f"{row.admitted:,}",
            f"{row.duplicate:,}",
            f"{row.quarantined:,}",
            f"{row.on_topic:,}{mark}",
        )
    return table


def stream_through_ig(
    profile: Profile,
    child_env: dict[str, str],
    platform_run_id: str,
    logs: Path,
    steps: _StepRunner,
    console: Console,
) -> list[OutputCount]:
    """Serve IG, stream the READY run through it with WSP, and reconcile the counts; DEMO_FAILED if not.

    `child_env` is the children's whole environment (FP_HOME and the local pins); the IG port is
    added here so that IG and WSP agree on it.
    """
    port = _free_port()
    env = {**child_env, "FP_LOCAL_IG_PORT": str(port)}
    logs.mkdir(parents=True, exist_ok=True)
    ig_log = logs / "ig.log"
    with _ig_process(env, port, ig_log) as process:
        steps.run(
            f"fp ig serve (role ig) on 127.0.0.1:{port}: ready when /readyz answers 200",
            lambda: _await_ready(process, f"http://127.0.0.1:{port}", ig_log),
        )
        result = steps.run(
            f"fp wsp consume --once --max-events-per-output {DEMO_EVENTS_PER_OUTPUT} (role wsp)",
            lambda: _wsp_consume(env, platform_run_id, logs / "wsp.log"),
        )
    console.print("[green]✓[/green] stopped IG (by PID)")
    rows = steps.run(
        "count this run's records on each topic (independent consumer, fresh group)",
        lambda: reconcile(profile, platform_run_id, result),
    )
    console.print(_table(rows))
    problems = [f"{row.output_id}: {problem}" for row in rows for problem in row.problems]
    if problems:
        raise FailClosed(DEMO_FAILED, "counts do not reconcile: " + "; ".join(problems))
    return rows
