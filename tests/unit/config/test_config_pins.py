"""The three pin forms, one-pass substitution, and `describe_pins` naming the source of each pin."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fraud_platform.config import describe_pins
from fraud_platform.config.pins import pins_in, require_all, substitute
from fraud_platform.core.errors import FailClosed


def _resolve(document: dict[str, object], env: dict[str, str]) -> dict[str, object]:
    result = substitute(document, env.get)
    require_all(result, profile="test", hint="")
    return result.document


def test_required_embedded_optional_and_defaulted_pins() -> None:
    document = {
        "a": "${A}",
        "b": "http://127.0.0.1:${PORT}/x",
        "c": "${C?}",
        "d": "${D:-SASL_SSL}",
        "e": ["${A}", 3],
        "f": 7,
    }
    resolved = _resolve(document, {"A": "alpha", "PORT": "80", "D": "PLAINTEXT"})
    assert resolved == {
        "a": "alpha",
        "b": "http://127.0.0.1:80/x",
        "c": None,
        "d": "PLAINTEXT",
        "e": ["alpha", 3],
        "f": 7,
    }
    assert _resolve({"d": "${D:-SASL_SSL}"}, {})["d"] == "SASL_SSL"
    assert _resolve({"c": "${C?}"}, {"C": ""})["c"] is None


def test_substitution_is_one_pass_so_a_value_is_never_rescanned() -> None:
    assert _resolve({"a": "${A}"}, {"A": "x${B}y"}) == {"a": "x${B}y"}


def test_every_missing_pin_is_named_once() -> None:
    nothing: dict[str, str] = {}
    result = substitute({"a": "${A}", "b": "${B}-${A}", "c": "${C?}"}, nothing.get)
    assert result.missing == ["A", "B"]
    with pytest.raises(FailClosed) as error:
        require_all(result, profile="test", hint="do something")
    assert error.value.code == "PIN_MISSING"
    assert "A, B" in error.value.detail and "do something" in error.value.detail


@pytest.mark.parametrize("text", ["${a}", "${A", "x${A:-d}", "${A?}y", "${}"])
def test_malformed_pins_are_refused(text: str) -> None:
    with pytest.raises(FailClosed) as error:
        pins_in({"k": text})
    assert error.value.code == "PROFILE_INVALID"


def test_pins_in_lists_kind_and_path() -> None:
    pins = pins_in({"x": {"y": "${Y}", "z": "${Z?}"}, "w": "${W:-1}"})
    assert [(p.path, p.name, p.kind) for p in pins] == [
        ("x.y", "Y", "required"),
        ("x.z", "Z", "optional"),
        ("w", "W", "default"),
    ]


def test_describe_pins_names_the_source_never_the_value(fp_home: Path) -> None:
    (fp_home / "local_pins.json").write_text(
        json.dumps({"FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:1", "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:2"}),
        encoding="utf-8",
    )
    env = {"FP_HOME": str(fp_home), "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:3"}
    sources = {status.name: status.source for status in describe_pins("local_parity", env=env)}
    assert sources == {
        "FP_LOCAL_S3_ENDPOINT": "local_pins.json",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "env",
        "FP_LOCAL_STATE_DSN": "missing",
        "FP_LOCAL_IG_PORT": "missing",
    }


def test_describe_pins_for_dev_min(fp_home: Path, dev_min_env: Callable[..., dict[str, str]]) -> None:
    (fp_home / "local_pins.json").write_text(json.dumps({"DEV_MIN_IG_URL": "https://x.example.com"}), "utf-8")
    env = dev_min_env(DEV_MIN_IG_URL=None, FP_HOME=str(fp_home))
    statuses = {status.name: status for status in describe_pins("dev_min", env=env)}
    assert statuses["DEV_MIN_IG_URL"].source == "missing"  # local_pins.json is not a dev_min source
    assert statuses["DEV_MIN_KAFKA_SECURITY_PROTOCOL"].source == "default"
    assert statuses["DEV_MIN_ORACLE_SCENARIO_ID"].source == "null"
    assert statuses["DEV_MIN_KAFKA_API_SECRET"].source == "env"
