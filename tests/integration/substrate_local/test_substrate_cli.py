"""`fp substrate up|status|down --json` as a user runs them: the substrates outlive `up`.

Each `fp` start costs ~1.5 s of imports (more under load), so this test keeps to three
invocations; idempotent `up` is covered through the Python API in test_substrate_lifecycle.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fraud_platform.substrate.local import down, status
from fraud_platform.substrate.local.ports import port_is_listening

pytestmark = pytest.mark.integration


def _fp(env: dict[str, str], *args: str) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "fp"), "substrate", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def test_substrate_cli_up_status_down(isolated_env: dict[str, str]) -> None:
    home = Path(isolated_env["FP_HOME"])
    try:
        code, started = _fp(isolated_env, "up", "--kafka-storage", "memory")
        assert code == 0, started
        assert started["ok"] is True and started["already_running"] is False
        code, report = _fp(isolated_env, "status")
        assert code == 0 and report["healthy"] is True
        assert report["s3_endpoint"] == started["s3_endpoint"]
        assert report["kafka_bootstrap"] == started["kafka_bootstrap"]
        pins = json.loads((home / "local_pins.json").read_text())
        assert pins["FP_LOCAL_S3_ENDPOINT"] == started["s3_endpoint"]
        assert pins["FP_LOCAL_KAFKA_BOOTSTRAP"] == started["kafka_bootstrap"]
        code, stopped = _fp(isolated_env, "down")
        assert code == 0 and stopped["stopped"] == ["tansu", "seaweedfs"]
        kafka_port = int(str(started["kafka_bootstrap"]).rsplit(":", 1)[1])
        assert not port_is_listening(kafka_port)
        assert not status(home).healthy
    finally:
        down(home)
