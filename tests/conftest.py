"""Shared fixtures: real local substrates for integration tests, and an FP_HOME that is never yours.

`local_substrates` starts SeaweedFS + tansu once per session through the same Python API as
`fp substrate up` (tansu with memory storage, for speed), on free loopback ports in a temporary
FP_HOME, and stops both by PID at the end. The processes are also tied to this interpreter
(PR_SET_PDEATHSIG), and `pytest_sessionfinish` stops anything a test started and forgot, so an
interrupted or crashed session leaves nothing running.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraud_platform.substrate.local import LocalSubstrates, down, stop_leftovers, substrates, up

_ISOLATED_PREFIXES = ("FP_", "DEV_MIN_", "AWS_", "KAFKA_")

atexit.register(stop_leftovers)


@pytest.fixture(scope="session", autouse=True)
def _session_fp_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point FP_HOME at a session temp dir so that no test can touch the real ~/.fraud-platform."""
    home = tmp_path_factory.mktemp("session_fp_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FP_HOME", str(home))
        yield home


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A per-test FP_HOME and an environment scrubbed of FP_*/DEV_MIN_*/AWS_*/KAFKA_* variables.

    `os.environ` is patched for the test, and the returned dict is that environment (pass it as
    `env=` to `load_profile` or to a CLI subprocess).
    """
    home = tmp_path / "fp_home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FP_HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    return dict(os.environ)


def _started_substrates(fp_home: Path, kafka_storage: str) -> Iterator[LocalSubstrates]:
    up(fp_home, kafka_storage=kafka_storage, die_with_parent=True)
    try:
        yield substrates(fp_home)
    finally:
        down(fp_home)


@pytest.fixture(scope="session")
def local_substrates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSubstrates]:
    """SeaweedFS + tansu (memory storage) on free loopback ports in a temporary FP_HOME (session)."""
    yield from _started_substrates(tmp_path_factory.mktemp("fp_home"), "memory")


@pytest.fixture(scope="session")
def local_substrates_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSubstrates]:
    """Like `local_substrates` but tansu stores on SeaweedFS (durable across a tansu restart)."""
    yield from _started_substrates(tmp_path_factory.mktemp("fp_home_s3"), "s3")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop any substrate process a test started and did not stop; a clean run with leftovers fails."""
    leftovers = stop_leftovers()
    if leftovers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"stopped leftover substrate processes: {leftovers}", red=True)
        if exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
