"""Role credentials and Kafka settings come from the profile's own source, never from another."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fraud_platform.config import ROLES, kafka_settings, load_profile, role_credentials
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import registered_secrets

EnvFactory = Callable[..., dict[str, str]]


def _write_roles(home: Path, roles: dict[str, object] | str) -> None:
    (home / "credentials").mkdir(exist_ok=True)
    text = roles if isinstance(roles, str) else json.dumps(roles)
    (home / "credentials" / "roles.json").write_text(text, encoding="utf-8")


def test_local_parity_reads_roles_json(local_env: dict[str, str], fp_home: Path) -> None:
    _write_roles(
        fp_home, {"operator": {"access_key_id": "fp-operator", "secret_access_key": "op-secret-123456"}}
    )
    profile = load_profile("local_parity", env=local_env)
    creds = role_credentials(profile, "operator")
    assert creds.role == "operator"
    assert creds.access_key_id == "fp-operator" and creds.secret_access_key == "op-secret-123456"
    assert creds.endpoint_url == "http://127.0.0.1:18333" and creds.region == "us-east-1"
    assert "op-secret-123456" in registered_secrets()
    assert "op-secret-123456" not in repr(creds)


def test_credentials_come_from_the_profile_source_not_the_process_env(
    local_env: dict[str, str], fp_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_roles(fp_home, {"sr": {"access_key_id": "fp-sr", "secret_access_key": "sr-secret-123456"}})
    profile = load_profile("local_parity", env=local_env)
    monkeypatch.setenv("FP_HOME", str(tmp_path / "some-other-home"))
    assert role_credentials(profile, "sr").access_key_id == "fp-sr"
    with pytest.raises(FailClosed) as error:  # an explicit fp_home still wins
        role_credentials(profile, "sr", fp_home=tmp_path / "some-other-home")
    assert error.value.code == "CREDENTIALS_MISSING"


@pytest.mark.parametrize("role", ["admin", "Operator", "oracle-lander", ""])
def test_unknown_roles_are_refused(local_env: dict[str, str], dev_min_env: EnvFactory, role: str) -> None:
    for profile in (load_profile("local_parity", env=local_env), load_profile("dev_min", env=dev_min_env())):
        with pytest.raises(FailClosed) as error:
            role_credentials(profile, role)
        assert error.value.code == "ROLE_UNKNOWN"
        with pytest.raises(FailClosed) as error:
            kafka_settings(profile, role)
        assert error.value.code == "ROLE_UNKNOWN"


def test_credentials_not_issued_yet(local_env: dict[str, str], fp_home: Path) -> None:
    profile = load_profile("local_parity", env=local_env)
    with pytest.raises(FailClosed) as error:
        role_credentials(profile, "wsp")
    assert error.value.code == "CREDENTIALS_MISSING" and "fp bootstrap apply" in error.value.detail
    _write_roles(
        fp_home, {"operator": {"access_key_id": "fp-operator", "secret_access_key": "op-secret-123456"}}
    )
    with pytest.raises(FailClosed) as error:
        role_credentials(profile, "wsp")
    assert error.value.code == "CREDENTIALS_MISSING" and "fp bootstrap apply" in error.value.detail
    _write_roles(fp_home, {})
    with pytest.raises(FailClosed) as error:
        role_credentials(profile, "operator")
    assert error.value.code == "CREDENTIALS_MISSING" and "fp substrate up" in error.value.detail


@pytest.mark.parametrize(
    "content",
    ["{nope", "[]", json.dumps({"ig": "key"}), json.dumps({"ig": {"access_key_id": "fp-ig"}})],
)
def test_malformed_roles_json_is_refused(local_env: dict[str, str], fp_home: Path, content: str) -> None:
    _write_roles(fp_home, content)
    with pytest.raises(FailClosed) as error:
        role_credentials(load_profile("local_parity", env=local_env), "ig")
    assert error.value.code == "CREDENTIALS_INVALID"


def test_dev_min_role_credentials_come_from_env(dev_min_env: EnvFactory) -> None:
    env = dev_min_env(
        DEV_MIN_ROLE_ORACLE_LANDER_AWS_ACCESS_KEY_ID="AKIALANDER0001",
        DEV_MIN_ROLE_ORACLE_LANDER_AWS_SECRET_ACCESS_KEY="lander/secret+key-000001",
    )
    profile = load_profile("dev_min", env=env)
    creds = role_credentials(profile, "oracle_lander")
    assert (creds.access_key_id, creds.secret_access_key) == ("AKIALANDER0001", "lander/secret+key-000001")
    assert creds.endpoint_url is None and creds.region == "eu-west-2" and creds.role == "oracle_lander"
    assert "lander/secret+key-000001" in registered_secrets()


def test_dev_min_missing_role_pins_never_fall_back_to_roles_json(
    dev_min_env: EnvFactory, fp_home: Path
) -> None:
    _write_roles(fp_home, {"sr": {"access_key_id": "fp-sr", "secret_access_key": "sr-secret-123456"}})
    env = {"FP_HOME": str(fp_home), **dev_min_env(DEV_MIN_ROLE_SR_AWS_ACCESS_KEY_ID="AKIASR0001")}
    with pytest.raises(FailClosed) as error:
        role_credentials(load_profile("dev_min", env=env), "sr", fp_home=fp_home)
    assert error.value.code == "PIN_MISSING"
    assert error.value.refs["missing"] == ["DEV_MIN_ROLE_SR_AWS_SECRET_ACCESS_KEY"]


def test_kafka_settings_dev_min_use_the_role_s_own_key(dev_min_env: EnvFactory) -> None:
    env = dev_min_env(
        DEV_MIN_KAFKA_API_KEY_SR="CKKEYSR000001", DEV_MIN_KAFKA_API_SECRET_SR="sr/kafka+secret=01"
    )
    profile = load_profile("dev_min", env=env)
    settings = kafka_settings(profile, "sr")
    assert settings.bootstrap == "pkc-12345.eu-west-2.aws.confluent.cloud:9092"
    assert (settings.security_protocol, settings.sasl_mechanism) == ("SASL_SSL", "PLAIN")
    assert (settings.sasl_username, settings.sasl_password) == ("CKKEYSR000001", "sr/kafka+secret=01")
    assert settings.session_timeout_ms == 45000
    assert (settings.client_id, settings.role) == ("fp-sr", "sr")
    assert "sr/kafka+secret=01" not in repr(settings)
    assert {"CKKEYSR000001", "sr/kafka+secret=01"} <= registered_secrets()
    # The operator (bus administration) authenticates with the profile's key, which no role shares.
    operator = kafka_settings(profile, "operator")
    assert (operator.sasl_username, operator.sasl_password) == (
        "CKAPIKEY0123456789",
        "cfltSecret/with+base64=chars",
    )


def test_a_missing_role_kafka_key_refuses_that_role_only(dev_min_env: EnvFactory) -> None:
    env = dev_min_env(
        DEV_MIN_KAFKA_API_KEY_SR="CKKEYSR000001", DEV_MIN_KAFKA_API_SECRET_SR="sr/kafka+secret=01"
    )
    profile = load_profile("dev_min", env=env)  # the profile itself loads: role keys are read per role
    with pytest.raises(FailClosed) as error:
        kafka_settings(profile, "ig")
    assert error.value.code == "PIN_MISSING"
    assert error.value.refs == {
        "role": "ig",
        "missing": ["DEV_MIN_KAFKA_API_KEY_IG", "DEV_MIN_KAFKA_API_SECRET_IG"],
    }
    with pytest.raises(FailClosed) as error:  # a key without its secret is as missing
        kafka_settings(load_profile("dev_min", env={**env, "DEV_MIN_KAFKA_API_KEY_IG": "CKKEYIG00001"}), "ig")
    assert error.value.refs["missing"] == ["DEV_MIN_KAFKA_API_SECRET_IG"]
    assert kafka_settings(profile, "sr").sasl_username == "CKKEYSR000001"  # other roles still load
    assert kafka_settings(profile, "operator").sasl_username == "CKAPIKEY0123456789"


def test_a_rehearsal_still_needs_the_role_kafka_pins_but_sends_no_sasl(rehearsal_env: dict[str, str]) -> None:
    profile = load_profile("dev_min", env=rehearsal_env, rehearsal=True)
    with pytest.raises(FailClosed) as error:
        kafka_settings(profile, "wsp")
    assert error.value.code == "PIN_MISSING"
    env = {
        **rehearsal_env,
        "DEV_MIN_KAFKA_API_KEY_WSP": "rehearsal-wsp-key",
        "DEV_MIN_KAFKA_API_SECRET_WSP": "rehearsal-wsp-secret",
    }
    settings = kafka_settings(load_profile("dev_min", env=env, rehearsal=True), "wsp")
    assert settings.security_protocol == "PLAINTEXT" and settings.sasl_username is None


def test_service_account_principals_are_pinned_per_role(dev_min_env: EnvFactory) -> None:
    from fraud_platform.config.kafka_keys import kafka_principals, service_account_variable

    assert service_account_variable("oracle_lander") == "DEV_MIN_KAFKA_SERVICE_ACCOUNT_ORACLE_LANDER"
    env = dev_min_env(**{service_account_variable(role): f"sa-{role.replace('_', '')}1" for role in ROLES})
    principals = kafka_principals(load_profile("dev_min", env=env), ROLES)
    assert principals is not None and principals["sr"] == "User:sa-sr1"
    with pytest.raises(FailClosed) as error:
        kafka_principals(load_profile("dev_min", env=dev_min_env()), ROLES)
    assert error.value.code == "PIN_MISSING" and len(error.value.refs["missing"]) == len(ROLES)
    bad = dict(env, DEV_MIN_KAFKA_SERVICE_ACCOUNT_IG="User:fp-dev_min-ig")
    with pytest.raises(FailClosed) as error:
        kafka_principals(load_profile("dev_min", env=bad), ROLES)
    assert error.value.code == "PROFILE_INVALID"
    assert error.value.refs["invalid"] == ["DEV_MIN_KAFKA_SERVICE_ACCOUNT_IG"]


def test_kafka_settings_local_and_rehearsal_carry_no_sasl(
    local_env: dict[str, str], rehearsal_env: dict[str, str]
) -> None:
    for profile in (
        load_profile("local_parity", env=local_env),
        load_profile("dev_min", env=rehearsal_env, rehearsal=True),
    ):
        settings = kafka_settings(profile, "operator")
        assert settings.security_protocol == "PLAINTEXT"
        assert (
            settings.sasl_mechanism is None
            and settings.sasl_username is None
            and settings.sasl_password is None
        )
        assert settings.client_id == "fp-operator" and settings.bootstrap == "127.0.0.1:19092"


def test_every_role_has_a_dev_min_variable_pair() -> None:
    from fraud_platform.config.credentials import dev_min_role_variables

    assert len(ROLES) == 8
    assert dev_min_role_variables("oracle_sorter") == (
        "DEV_MIN_ROLE_ORACLE_SORTER_AWS_ACCESS_KEY_ID",
        "DEV_MIN_ROLE_ORACLE_SORTER_AWS_SECRET_ACCESS_KEY",
    )
