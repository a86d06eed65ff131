"""State file and pins: round-trip, atomic files with the right modes, unreadable state fails closed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.local.state_file import (
    ProcessRecord,
    SubstratePaths,
    SubstrateState,
    read_state,
    write_json_file,
    write_pins,
    write_state,
)


def _state(home: Path) -> SubstrateState:
    paths = SubstratePaths(home)
    weed = ProcessRecord(
        name="seaweedfs",
        pid=4242,
        executable="/venv/bin/weed",
        argv=("/venv/bin/weed", "mini", "-s3.port=21000"),
        ports={"s3": 21000, "master": 21001},
        log_path=str(home / "logs" / "seaweedfs.log"),
        data_dir=str(paths.seaweedfs_data),
        started_at="2025-01-02T03:04:05.000006Z",
    )
    return SubstrateState(
        fp_home=str(home),
        s3_endpoint="http://127.0.0.1:21000",
        kafka_bootstrap="127.0.0.1:21002",
        kafka_storage="memory",
        tansu_bucket=None,
        ig_port=21003,
        state_dsn=paths.state_dsn,
        processes={"seaweedfs": weed},
        ports={"seaweedfs": {"s3": 21000, "master": 21001}, "tansu": {"kafka": 21002}},
        owner_pid=99,
    )


def test_substrate_state_round_trip(tmp_path: Path) -> None:
    paths = SubstratePaths(tmp_path)
    assert read_state(paths) is None
    state = _state(tmp_path)
    write_state(paths, state)
    assert read_state(paths) == state
    assert json.loads(paths.state_file.read_text())["processes"]["seaweedfs"]["pid"] == 4242
    assert not list(paths.state_file.parent.glob(".*.tmp"))


def test_substrate_pins_file(tmp_path: Path) -> None:
    paths = SubstratePaths(tmp_path)
    write_pins(paths, _state(tmp_path))
    pins = json.loads(paths.pins_file.read_text())
    assert pins == {
        "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:21000",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:21002",
        "FP_LOCAL_STATE_DSN": f"sqlite:////{str(tmp_path).lstrip('/')}/state/authority.sqlite",
        "FP_LOCAL_IG_PORT": "21003",
    }


def test_substrate_secret_files_are_0600(tmp_path: Path) -> None:
    target = tmp_path / "credentials" / "roles.json"
    write_json_file(target, {"operator": {}}, mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("content", ["{not json", '{"version": 1}', '{"version": 7}', "[]"])
def test_substrate_unreadable_state_fails_closed(tmp_path: Path, content: str) -> None:
    paths = SubstratePaths(tmp_path)
    paths.state_file.parent.mkdir(parents=True)
    paths.state_file.write_text(content)
    with pytest.raises(FailClosed) as raised:
        read_state(paths)
    assert raised.value.code == "SUBSTRATE_STATE_INVALID"
