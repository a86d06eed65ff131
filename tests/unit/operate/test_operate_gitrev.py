"""The git revision fails soft only outside a git checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.operate.gitrev import git_revision


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_not_a_checkout_is_null(tmp_path: Path) -> None:
    assert git_revision(tmp_path) is None
    assert git_revision(tmp_path, git="no-such-git-binary") is None


def test_a_checkout_yields_its_head(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "f").write_text("x")
    _git(tmp_path, "add", "f")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "m")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert git_revision(tmp_path) == head.stdout.strip()


def test_a_checkout_whose_revision_cannot_be_read_fails_closed(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    with pytest.raises(FailClosed) as caught:
        git_revision(tmp_path)  # no commit yet: HEAD does not resolve
    assert caught.value.code == "GIT_REVISION_UNAVAILABLE"
    with pytest.raises(FailClosed) as caught:
        git_revision(tmp_path, git="no-such-git-binary")
    assert caught.value.code == "GIT_REVISION_UNAVAILABLE"
