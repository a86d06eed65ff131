"""State file and pins: round-trip, credential writers make 0600 files, unreadable state fails closed."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraud_platform.bootstrap.credentials import issue_keys, write_roles_file
from fraud_platform.bootstrap.local_identities import write_identities
from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.local.credentials import ensure_operator
from fraud_platform.substrate.local.state_file import (
    ProcessRecord,
    SubstratePaths,
    SubstrateState,
    read_state,
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


@pytest.fixture
def wide_umask() -> Iterator[None]:
    """Umask 0: nothing narrows a mode a writer forgets, so only the writer's own mode protects a secret."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("wide_umask")
def test_substrate_credential_writers_create_0600_files(tmp_path: Path) -> None:
    """Every writer of a secret (`up`'s operator, bootstrap's roles and identities) makes it 0600."""
    paths = SubstratePaths(tmp_path)
    ensure_operator(paths)
    assert _mode(paths.identities_file) == 0o600
    assert _mode(paths.roles_file) == 0o600
    assert "secret_access_key" in paths.roles_file.read_text()

    pairs, _outcomes = issue_keys({}, ["sr", "wsp"])
    roles = json.loads(paths.roles_file.read_text())
    paths.roles_file.chmod(0o644)  # a file someone widened: the next write narrows it again
    assert write_roles_file(paths.roles_file, roles, pairs)
    assert _mode(paths.roles_file) == 0o600
    assert set(json.loads(paths.roles_file.read_text())) == {"operator", "sr", "wsp"}

    identities = tmp_path / "other" / "identities.json"
    assert write_identities(identities, {"identities": [{"name": "sr", "credentials": []}]})
    assert _mode(identities) == 0o600
    assert not list(tmp_path.rglob(".*.tmp")), "no temp file is left behind"


@pytest.mark.usefixtures("wide_umask")
def test_substrate_non_secret_files_keep_their_public_mode(tmp_path: Path) -> None:
    """The contrast that makes the test above mean something: without 0600 a file is 0644."""
    paths = SubstratePaths(tmp_path)
    write_state(paths, _state(tmp_path))
    write_pins(paths, _state(tmp_path))
    assert _mode(paths.state_file) == 0o644
    assert _mode(paths.pins_file) == 0o644


@pytest.mark.parametrize("content", ["{not json", '{"version": 1}', '{"version": 7}', "[]"])
def test_substrate_unreadable_state_fails_closed(tmp_path: Path, content: str) -> None:
    paths = SubstratePaths(tmp_path)
    paths.state_file.parent.mkdir(parents=True)
    paths.state_file.write_text(content)
    with pytest.raises(FailClosed) as raised:
        read_state(paths)
    assert raised.value.code == "SUBSTRATE_STATE_INVALID"
