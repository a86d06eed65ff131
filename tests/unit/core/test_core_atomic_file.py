"""`write_atomic`: exact modes whatever the umask, whole files only, nothing left behind on failure."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraud_platform.core.atomic_file import write_atomic


@pytest.fixture
def wide_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("wide_umask")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644])
def test_atomic_write_sets_exactly_the_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "nested" / "file.json"
    write_atomic(target, b"{}\n", mode=mode)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_bytes() == b"{}\n"


def test_atomic_write_narrows_a_widened_file(tmp_path: Path) -> None:
    target = tmp_path / "roles.json"
    target.write_bytes(b"old")
    target.chmod(0o666)
    write_atomic(target, b"new", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() == b"new"


def test_atomic_write_replaces_the_inode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_atomic(target, b"one", mode=0o644)
    reader = target.open("rb")  # a reader holding the old file keeps reading the old bytes
    write_atomic(target, b"two", mode=0o644)
    assert reader.read() == b"one"
    reader.close()
    assert target.read_bytes() == b"two"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_atomic(target, b"kept", mode=0o644)
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes", mode=0o644)  # type: ignore[arg-type]
    assert target.read_bytes() == b"kept"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["state.json"]
