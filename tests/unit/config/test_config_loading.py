"""Loading profiles: pin resolution order, schema refusals, unknown names, secret registration."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraud_platform.config import load_profile, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import registered_secrets


def _code(error: pytest.ExceptionInfo[FailClosed]) -> str:
    return str(error.value.code)


def test_local_parity_resolves_pins_from_local_pins_json(local_env: dict[str, str], fp_home: Path) -> None:
    profile = load_profile("local_parity", env=local_env)
    assert profile.profile == "local_parity"
    assert profile.rehearsal is False
    assert profile.object_store.endpoint_url == "http://127.0.0.1:18333"
    assert profile.bus.bootstrap == "127.0.0.1:19092"
    assert profile.bus.security_protocol == "PLAINTEXT"
    assert profile.ig.url == "http://127.0.0.1:18080"
    assert profile.state.dsn.get_secret_value().endswith("state/authority.sqlite")
    assert profile.source is not None and profile.source.fp_home == fp_home.resolve()


def test_environment_wins_over_local_pins_json(local_env: dict[str, str]) -> None:
    env = {**local_env, "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:29999"}
    profile = load_profile("local_parity", env=env)
    assert profile.object_store.endpoint_url == "http://127.0.0.1:29999"
    assert profile.bus.bootstrap == "127.0.0.1:19092"  # the others still come from the file


def test_explicit_fp_home_argument_wins_over_env(
    local_pins: dict[str, str | int], fp_home: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    profile = load_profile("local_parity", env={"FP_HOME": str(elsewhere)}, fp_home=fp_home)
    assert profile.bus.bootstrap == "127.0.0.1:19092"


def test_local_pins_json_is_not_read_when_the_environment_has_every_pin(
    fp_home: Path, local_pins: dict[str, str | int]
) -> None:
    (fp_home / "local_pins.json").write_text("{not json", encoding="utf-8")
    env = {"FP_HOME": str(fp_home), **{name: str(value) for name, value in local_pins.items()}}
    assert load_profile("local_parity", env=env).bus.bootstrap == "127.0.0.1:19092"


def test_integer_port_in_local_pins_json_is_accepted(fp_home: Path, local_pins: dict[str, str | int]) -> None:
    (fp_home / "local_pins.json").write_text(
        json.dumps({**local_pins, "FP_LOCAL_IG_PORT": 18081}), encoding="utf-8"
    )
    assert load_profile("local_parity", env={"FP_HOME": str(fp_home)}).ig.url == "http://127.0.0.1:18081"


def test_missing_local_pin_names_the_variable_and_hints_substrate_up(fp_home: Path) -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("local_parity", env={"FP_HOME": str(fp_home)})
    assert _code(error) == "PIN_MISSING"
    assert "FP_LOCAL_S3_ENDPOINT" in error.value.detail
    assert "fp substrate up" in error.value.detail
    assert error.value.refs["missing"] == [
        "FP_LOCAL_S3_ENDPOINT",
        "FP_LOCAL_KAFKA_BOOTSTRAP",
        "FP_LOCAL_STATE_DSN",
        "FP_LOCAL_IG_PORT",
    ]


def test_empty_pin_counts_as_missing(local_env: dict[str, str], fp_home: Path) -> None:
    (fp_home / "local_pins.json").write_text(json.dumps({"FP_LOCAL_S3_ENDPOINT": ""}), encoding="utf-8")
    with pytest.raises(FailClosed) as error:
        load_profile("local_parity", env=local_env)
    assert _code(error) == "PIN_MISSING"
    assert "FP_LOCAL_S3_ENDPOINT" in error.value.detail


@pytest.mark.parametrize(
    "content",
    ["{broken", "[1, 2]", json.dumps({"FP_LOCAL_IG_PORT": True}), json.dumps({"FP_LOCAL_IG_PORT": [1]})],
)
def test_malformed_local_pins_json_is_refused(fp_home: Path, content: str) -> None:
    (fp_home / "local_pins.json").write_text(content, encoding="utf-8")
    with pytest.raises(FailClosed) as error:
        load_profile("local_parity", env={"FP_HOME": str(fp_home)})
    assert _code(error) == "LOCAL_PINS_INVALID"


def test_unknown_profile_name_is_refused() -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("prod", env={})
    assert _code(error) == "PROFILE_UNKNOWN"
    assert error.value.refs["known"] == ["dev_min", "local_parity"]


def _local_document(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = raw_profile("local_parity")
    mutate(document)
    return document


@pytest.mark.parametrize(
    ("label", "mutate", "needle"),
    [
        ("unknown top key", lambda d: d.update(tracing={"on": True}), "tracing"),
        ("unknown nested key", lambda d: d["bus"].update(acks="all"), "bus.acks"),
        ("bad type", lambda d: d["budgets"].update(landing_workers="many"), "budgets.landing_workers"),
        ("out of range", lambda d: d["budgets"].update(landing_workers=0), "budgets.landing_workers"),
        ("missing key", lambda d: d["oracle"].pop("namespace"), "oracle.namespace"),
        ("unknown protocol", lambda d: d["bus"].update(security_protocol="TLS"), "bus.security_protocol"),
        ("SASL without key", lambda d: d["bus"].update(security_protocol="SASL_SSL"), "bus"),
        ("not an http url", lambda d: d["ig"].update(url="127.0.0.1:8080"), "ig.url"),
        ("empty bootstrap", lambda d: d["bus"].update(bootstrap=","), "bus.bootstrap"),
        ("lower-case pin", lambda d: d["ig"].update(url="http://127.0.0.1:${port}"), "ig.url"),
        ("unclosed pin", lambda d: d["ig"].update(url="http://127.0.0.1:${FP_LOCAL_IG_PORT"), "ig.url"),
        ("embedded optional", lambda d: d["ig"].update(url="http://${IG_HOST?}:8080"), "ig.url"),
        ("rehearsal in a file", lambda d: d.update(rehearsal=True), "rehearsal"),
        ("wrong name", lambda d: d.update(profile="dev_min"), "dev_min"),
    ],
)
def test_invalid_documents_are_refused(
    local_env: dict[str, str], label: str, mutate: Callable[[dict[str, Any]], None], needle: str
) -> None:
    with pytest.raises(FailClosed) as error:
        profile_from_document(_local_document(mutate), name="local_parity", env=local_env)
    assert _code(error) == "PROFILE_INVALID", label
    assert needle in error.value.detail, label


def test_invalid_yaml_is_refused() -> None:
    from fraud_platform.config.shipped import parse_profile_text

    with pytest.raises(FailClosed) as error:
        parse_profile_text("profile: [unclosed", source="test")
    assert _code(error) == "PROFILE_INVALID"
    with pytest.raises(FailClosed) as error:
        parse_profile_text("- a list", source="test")
    assert _code(error) == "PROFILE_INVALID"


def test_schema_error_detail_never_echoes_a_secret_value(dev_min_env: Callable[..., dict[str, str]]) -> None:
    document = raw_profile("dev_min")
    document["bus"]["session_timeout_ms"] = "${DEV_MIN_KAFKA_API_SECRET}"  # a secret where an int belongs
    with pytest.raises(FailClosed) as error:
        profile_from_document(document, name="dev_min", env=dev_min_env())
    assert _code(error) == "PROFILE_INVALID"
    assert "cfltSecret" not in str(error.value) and "cfltSecret" not in json.dumps(error.value.to_json())


def test_dev_min_secrets_are_registered_when_loaded(dev_min_env: Callable[..., dict[str, str]]) -> None:
    env = dev_min_env(
        DEV_MIN_KAFKA_API_KEY="CKKEY-registered-1",
        DEV_MIN_KAFKA_API_SECRET="secret-registered-1",
        DEV_MIN_STATE_DSN="postgresql://fp:pw%40registered-1@db.example.com/fp",
    )
    load_profile("dev_min", env=env)
    secrets = registered_secrets()
    assert {"CKKEY-registered-1", "secret-registered-1", "pw%40registered-1", "pw@registered-1"} <= secrets


def test_a_secret_too_short_to_redact_is_refused(dev_min_env: Callable[..., dict[str, str]]) -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env=dev_min_env(DEV_MIN_KAFKA_API_SECRET="abc"))
    assert _code(error) == "SECRET_TOO_SHORT"
    assert "abc" not in error.value.detail
