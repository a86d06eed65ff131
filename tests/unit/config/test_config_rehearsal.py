"""The rehearsal switch relaxes exactly three rules, marks the profile, and can never yield a PASS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fraud_platform.config import assert_not_rehearsal_pass, config_digest, load_profile, run_flags
from fraud_platform.config.rehearsal import RELAXED_BY_REHEARSAL
from fraud_platform.core.errors import FailClosed

EnvFactory = Callable[..., dict[str, str]]


def test_rehearsal_argument_lets_dev_min_point_at_local_substrates(rehearsal_env: dict[str, str]) -> None:
    with pytest.raises(FailClosed):
        load_profile("dev_min", env=rehearsal_env)
    profile = load_profile("dev_min", env=rehearsal_env, rehearsal=True)
    assert profile.rehearsal is True
    assert profile.object_store.endpoint_url == "http://127.0.0.1:18333"
    assert profile.bus.security_protocol == "PLAINTEXT"
    assert run_flags(profile) == {"profile": "dev_min", "rehearsal": True}


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_rehearsal_environment_switch(rehearsal_env: dict[str, str], value: str) -> None:
    profile = load_profile("dev_min", env={**rehearsal_env, "FP_DEV_MIN_REHEARSAL": value})
    assert profile.rehearsal is True
    # an explicit False from a CLI flag's default leaves the decision to the environment
    assert load_profile(
        "dev_min", env={**rehearsal_env, "FP_DEV_MIN_REHEARSAL": value}, rehearsal=False
    ).rehearsal


@pytest.mark.parametrize("value", ["0", "", "false"])
def test_rehearsal_switch_off(rehearsal_env: dict[str, str], value: str) -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env={**rehearsal_env, "FP_DEV_MIN_REHEARSAL": value})
    assert error.value.code in RELAXED_BY_REHEARSAL


def test_an_ambiguous_rehearsal_switch_is_refused(dev_min_env: EnvFactory) -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env=dev_min_env(FP_DEV_MIN_REHEARSAL="maybe"))
    assert error.value.code == "PROFILE_INVALID"
    assert "FP_DEV_MIN_REHEARSAL" in error.value.detail


def test_rehearsal_still_requires_every_pin(rehearsal_env: dict[str, str]) -> None:
    env = {key: value for key, value in rehearsal_env.items() if key != "DEV_MIN_KAFKA_API_SECRET"}
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env=env, rehearsal=True)
    assert error.value.code == "PIN_MISSING" and "DEV_MIN_KAFKA_API_SECRET" in error.value.detail


@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "file:///tmp/oracle/run", "DEV_MIN_LOCAL_PATH"),
        ("DEV_MIN_ORACLE_STREAM_VIEW_ROOT", "/tmp/oracle/views", "DEV_MIN_LOCAL_PATH"),
        ("DEV_MIN_ORACLE_SCENARIO_ID", "latest", "PIN_NOT_EXPLICIT"),
        ("DEV_MIN_OBJECT_STORE_BUCKET", "fp-*", "PIN_NOT_EXPLICIT"),
    ],
)
def test_rehearsal_does_not_relax_paths_or_explicit_pins(
    rehearsal_env: dict[str, str], variable: str, value: str, code: str
) -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env={**rehearsal_env, variable: value}, rehearsal=True)
    assert error.value.code == code


def test_rehearsal_never_reads_local_pins_json(rehearsal_env: dict[str, str], fp_home: Path) -> None:
    (fp_home / "local_pins.json").write_text(json.dumps(rehearsal_env), encoding="utf-8")
    env = {"FP_HOME": str(fp_home), **{k: v for k, v in rehearsal_env.items() if k != "DEV_MIN_IG_URL"}}
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env=env, rehearsal=True)
    assert error.value.code == "PIN_MISSING" and "DEV_MIN_IG_URL" in error.value.detail


def test_rehearsal_cannot_pass(rehearsal_env: dict[str, str], dev_min_env: EnvFactory) -> None:
    rehearsal = load_profile("dev_min", env=rehearsal_env, rehearsal=True)
    with pytest.raises(FailClosed) as error:
        assert_not_rehearsal_pass(rehearsal)
    assert error.value.code == "REHEARSAL_CANNOT_PASS"
    assert error.value.refs == {"profile": "dev_min", "rehearsal": True}
    assert_not_rehearsal_pass(load_profile("dev_min", env=dev_min_env()))  # a real dev_min may pass


def test_rehearsal_changes_the_config_digest(dev_min_env: EnvFactory) -> None:
    real = load_profile("dev_min", env=dev_min_env())
    rehearsed = load_profile("dev_min", env=dev_min_env(), rehearsal=True)
    assert run_flags(real) == {"profile": "dev_min", "rehearsal": False}
    assert config_digest(real) != config_digest(rehearsed)


def test_rehearsal_is_refused_for_local_parity(local_env: dict[str, str]) -> None:
    with pytest.raises(FailClosed) as error:
        load_profile("local_parity", env=local_env, rehearsal=True)
    assert error.value.code == "REHEARSAL_NOT_APPLICABLE"
    # the dev_min switch in the environment does not concern local_parity
    profile = load_profile("local_parity", env={**local_env, "FP_DEV_MIN_REHEARSAL": "1"})
    assert run_flags(profile) == {"profile": "local_parity", "rehearsal": False}
