"""The demo never runs in the default FP_HOME: `./.fp-home/demo` unless FP_HOME names another place."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraud_platform.operate.demo import demo_home


def test_demo_home_defaults_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FP_HOME", raising=False)
    assert demo_home() == tmp_path / ".fp-home" / "demo"
    monkeypatch.setenv("FP_HOME", "~/.fraud-platform")
    assert demo_home() == tmp_path / ".fp-home" / "demo"


def test_demo_home_follows_an_explicit_fp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FP_HOME", str(tmp_path / "elsewhere"))
    assert demo_home() == tmp_path / "elsewhere"
