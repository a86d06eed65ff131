"""Start `fp ig serve` as a real child process for the IG and WSP integration tests, and stop it by PID.

One copy of the start / wait-for-/healthz / SIGTERM-then-kill steps, shared by the IG fixtures and
the WSP end-to-end and broker-outage tests (this folder is on sys.path through its conftest).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["FP_EXECUTABLE", "serving_ig", "start_ig_process", "stop_ig_process"]

FP_EXECUTABLE = str(Path(sys.executable).with_name("fp"))


def start_ig_process(
    port: int, env: Mapping[str, str], log: Path, *args: str, wait_s: float = 60.0
) -> subprocess.Popen[bytes]:
    """`fp ig serve --port PORT *args` with `env` over os.environ; returns once /healthz answers 200.

    Raises AssertionError (with the tail of the log) when IG exits first or misses the deadline; the
    process is stopped before raising.
    """
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [FP_EXECUTABLE, "ig", "serve", "--port", str(port), *args],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"IG exited {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_ig_process(process)
    raise AssertionError(f"IG did not answer /healthz within {wait_s} s: {log.read_text()[-3000:]}")


def stop_ig_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s; idempotent."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(15)


@contextmanager
def serving_ig(port: int, env: Mapping[str, str], log: Path, *args: str) -> Iterator[str]:
    """IG serving on 127.0.0.1:`port` for the block (its base URL), stopped by PID afterwards."""
    process = start_ig_process(port, env, log, *args)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_ig_process(process)
