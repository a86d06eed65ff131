"""Conformance: the shipped profiles and the schema share one key set; a divergent profile is caught."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

import fraud_platform.cli.cmd_config as cmd_config
from fraud_platform.cli.app import app
from fraud_platform.config import (
    check_shipped_conformance,
    compare_documents,
    compare_key_sets,
    semantic_keys,
)
from fraud_platform.config.shipped import raw_profile


def test_shipped_profiles_conform() -> None:
    report = check_shipped_conformance()
    assert report.ok, report.to_json()
    assert set(report.participants) == {"local_parity", "dev_min", "<schema>"}
    assert report.key_count == len(semantic_keys(raw_profile("dev_min")))


def test_semantic_keys_are_dotted_leaves() -> None:
    keys = semantic_keys({"a": 1, "b": {"c": None, "d": [1, 2]}, "e": {"f": {"g": "x"}}})
    assert keys == frozenset({"a", "b.c", "b.d", "e.f.g"})


def _divergent() -> dict[str, Any]:
    document = raw_profile("dev_min")
    del document["bus"]["session_timeout_ms"]
    document["bus"]["linger_ms"] = 5
    return document


def test_a_deliberately_divergent_profile_is_reported() -> None:
    report = compare_documents({"local_parity": raw_profile("local_parity"), "dev_min": _divergent()})
    assert not report.ok
    assert report.differing_keys == ["bus.linger_ms", "bus.session_timeout_ms"]
    assert report.missing["dev_min"] == ["bus.session_timeout_ms"]
    assert report.extra["dev_min"] == ["bus.linger_ms"]
    assert report.missing["local_parity"] == ["bus.linger_ms"]


def test_a_key_shared_by_both_files_but_absent_from_the_schema_diverges() -> None:
    documents = {name: raw_profile(name) for name in ("local_parity", "dev_min")}
    for document in documents.values():
        document["ig"]["timeout_s"] = 3
    assert compare_documents(documents, include_schema=False).ok
    report = compare_documents(documents)
    assert report.missing == {"<schema>": ["ig.timeout_s"]}


def test_compare_key_sets_works_on_arbitrary_sets() -> None:
    assert compare_key_sets({"a": frozenset({"x"}), "b": frozenset({"x"})}).ok
    assert compare_key_sets({}).ok
    report = compare_key_sets({"a": frozenset({"x", "y"}), "b": frozenset({"x"}), "c": frozenset({"x", "z"})})
    assert report.missing == {"a": ["z"], "b": ["y", "z"], "c": ["y"]}
    assert report.extra == {"a": ["y"], "c": ["z"]}


def test_cli_conformance_passes_and_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["config", "conformance", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["ok"] is True

    def divergent() -> Any:
        return compare_documents({"local_parity": raw_profile("local_parity"), "dev_min": _divergent()})

    monkeypatch.setattr(cmd_config, "check_shipped_conformance", divergent)
    result = runner.invoke(app, ["config", "conformance", "--json"])
    assert result.exit_code == 2
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["ok"] is False and line["code"] == "PROFILE_NONCONFORMANT"
    assert line["differing_keys"] == ["bus.linger_ms", "bus.session_timeout_ms"]
    result = runner.invoke(app, ["config", "conformance"])
    assert result.exit_code == 2 and "bus.linger_ms" in result.output
