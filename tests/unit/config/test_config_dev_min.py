"""dev_min fails closed: every required pin, and no local endpoint, path, SQLite, plaintext or moving pin."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import fraud_platform.config.loader as loader_module
from fraud_platform.config import load_profile
from fraud_platform.core.errors import FailClosed

EnvFactory = Callable[..., dict[str, str]]

_REQUIRED = [
    "DEV_MIN_AWS_REGION",
    "DEV_MIN_OBJECT_STORE_BUCKET",
    "DEV_MIN_EVIDENCE_BUCKET",
    "DEV_MIN_KAFKA_BOOTSTRAP",
    "DEV_MIN_KAFKA_API_KEY",
    "DEV_MIN_KAFKA_API_SECRET",
    "DEV_MIN_STATE_DSN",
    "DEV_MIN_IG_URL",
]


def _refusal(env: dict[str, str], rehearsal: bool | None = None) -> FailClosed:
    with pytest.raises(FailClosed) as error:
        load_profile("dev_min", env=env, rehearsal=rehearsal)
    return error.value


def test_a_complete_dev_min_environment_loads(dev_min_env: EnvFactory) -> None:
    profile = load_profile("dev_min", env=dev_min_env())
    assert profile.profile == "dev_min" and profile.rehearsal is False
    assert profile.object_store.endpoint_url is None
    assert profile.bus.security_protocol == "SASL_SSL" and profile.bus.sasl_mechanism == "PLAIN"
    assert profile.oracle.engine_run_root is None and profile.oracle.scenario_id is None


def test_oracle_pins_resolve_when_set(dev_min_env: EnvFactory) -> None:
    env = dev_min_env(
        DEV_MIN_ORACLE_ENGINE_RUN_ROOT="s3://fp-dev-min-object-store/oracle-store/dev_min/run_0001/",
        DEV_MIN_ORACLE_SCENARIO_ID="baseline_v1",
        DEV_MIN_ORACLE_STREAM_VIEW_ROOT="s3://fp-dev-min-object-store/oracle-store/dev_min/run_0001/stream_view/",
        DEV_MIN_S3_ENDPOINT_URL="https://s3.eu-west-2.amazonaws.com",
    )
    profile = load_profile("dev_min", env=env)
    assert profile.oracle.scenario_id == "baseline_v1"
    assert profile.object_store.endpoint_url == "https://s3.eu-west-2.amazonaws.com"


@pytest.mark.parametrize("variable", _REQUIRED)
def test_each_missing_pin_is_refused_by_name(dev_min_env: EnvFactory, variable: str) -> None:
    error = _refusal(dev_min_env(**{variable: None}))
    assert error.code == "PIN_MISSING"
    assert variable in error.detail
    assert error.refs["missing"] == [variable]
    assert "fp substrate up" not in error.detail  # dev_min never points at local state


def test_dev_min_never_reads_local_pins_json(
    dev_min_env: EnvFactory, fp_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (fp_home / "local_pins.json").write_text(json.dumps(dev_min_env()), encoding="utf-8")
    reads: list[Path] = []
    real_reader = loader_module.read_local_pins

    def spy(home: Path) -> dict[str, str]:
        reads.append(home)
        return real_reader(home)

    monkeypatch.setattr(loader_module, "read_local_pins", spy)
    error = _refusal({"FP_HOME": str(fp_home), **dev_min_env(DEV_MIN_STATE_DSN=None)})
    assert error.code == "PIN_MISSING" and "DEV_MIN_STATE_DSN" in error.detail
    assert reads == []
    assert load_profile("dev_min", env={"FP_HOME": str(fp_home), **dev_min_env()}).source.fp_home is None  # type: ignore[union-attr]
    assert reads == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1",
        "localhost",
        "api.localhost",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.10",
        "169.254.169.254",
        "0.0.0.0",
        "[::1]",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
    ],
)
def test_local_hosts_are_refused_everywhere(dev_min_env: EnvFactory, host: str) -> None:
    cases = {
        "bus.bootstrap": dev_min_env(DEV_MIN_KAFKA_BOOTSTRAP=f"pkc-1.example.com:9092,{host}:9092"),
        "object_store.endpoint_url": dev_min_env(DEV_MIN_S3_ENDPOINT_URL=f"https://{host}:9000"),
        "ig.url": dev_min_env(DEV_MIN_IG_URL=f"http://{host}:8080"),
        "state.dsn": dev_min_env(DEV_MIN_STATE_DSN=f"postgresql://fp:long-password@{host}:5432/fp"),
    }
    for path, env in cases.items():
        error = _refusal(env)
        assert error.code == "DEV_MIN_LOCAL_ENDPOINT", path
        assert [v["path"] for v in error.refs["violations"]] == [path]


def test_a_postgres_dsn_without_a_host_is_a_local_socket(dev_min_env: EnvFactory) -> None:
    assert _refusal(dev_min_env(DEV_MIN_STATE_DSN="postgresql:///fp")).code == "DEV_MIN_LOCAL_ENDPOINT"
    dsn = "postgresql://db.example.com/fp?host=/var/run/postgresql"
    assert _refusal(dev_min_env(DEV_MIN_STATE_DSN=dsn)).code == "DEV_MIN_LOCAL_ENDPOINT"


@pytest.mark.parametrize("host", ["172.32.0.1", "100.64.0.1", "8.8.8.8", "s3.eu-west-2.amazonaws.com"])
def test_public_hosts_are_accepted(dev_min_env: EnvFactory, host: str) -> None:
    profile = load_profile("dev_min", env=dev_min_env(DEV_MIN_S3_ENDPOINT_URL=f"https://{host}"))
    assert profile.object_store.endpoint_url == f"https://{host}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "file:///data/oracle/run_0001"),
        ("DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "/data/oracle/run_0001"),
        ("DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "oracle/run_0001"),
        ("DEV_MIN_ORACLE_STREAM_VIEW_ROOT", "~/views"),
        ("DEV_MIN_ORACLE_STREAM_VIEW_ROOT", "https://bucket.example.com/views"),
        ("DEV_MIN_ORACLE_SCENARIO_ID", "./scenario.yaml"),
        ("DEV_MIN_OBJECT_STORE_BUCKET", "../bucket"),
        ("DEV_MIN_AWS_REGION", "C:\\aws\\region"),
    ],
)
def test_local_paths_are_refused(dev_min_env: EnvFactory, variable: str, value: str) -> None:
    error = _refusal(dev_min_env(**{variable: value}))
    assert error.code == "DEV_MIN_LOCAL_PATH"
    assert error.refs["violations"][0]["code"] == "DEV_MIN_LOCAL_PATH"


@pytest.mark.parametrize(
    "dsn", ["sqlite:////tmp/authority.sqlite", "sqlite+pysqlite:///state.sqlite", "sqlite://"]
)
def test_sqlite_state_is_refused(dev_min_env: EnvFactory, dsn: str) -> None:
    assert _refusal(dev_min_env(DEV_MIN_STATE_DSN=dsn)).code == "DEV_MIN_SQLITE_REFUSED"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "s3://fp-dev-min-object-store/oracle-store/dev_min/latest/"),
        ("DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "s3://fp-dev-min-object-store/oracle-store/dev_min/*/"),
        ("DEV_MIN_ORACLE_STREAM_VIEW_ROOT", "s3://fp-dev-min-object-store/oracle-store/CURRENT/stream_view/"),
        ("DEV_MIN_ORACLE_SCENARIO_ID", "latest"),
        ("DEV_MIN_ORACLE_SCENARIO_ID", "baseline_v?"),
        ("DEV_MIN_ORACLE_SCENARIO_ID", "baseline-current"),
        ("DEV_MIN_OBJECT_STORE_BUCKET", "fp-*"),
        ("DEV_MIN_EVIDENCE_BUCKET", "fp-evidence-latest"),
    ],
)
def test_moving_or_wildcard_pins_are_refused(dev_min_env: EnvFactory, variable: str, value: str) -> None:
    assert _refusal(dev_min_env(**{variable: value})).code == "PIN_NOT_EXPLICIT"


def test_words_that_merely_contain_latest_are_explicit(dev_min_env: EnvFactory) -> None:
    env = dev_min_env(
        DEV_MIN_ORACLE_SCENARIO_ID="latestness_probe", DEV_MIN_EVIDENCE_BUCKET="fp-currently-ev"
    )
    assert load_profile("dev_min", env=env).oracle.scenario_id == "latestness_probe"


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL", "SASL_PLAINTEXT"])
def test_kafka_without_sasl_ssl_is_refused(dev_min_env: EnvFactory, protocol: str) -> None:
    error = _refusal(dev_min_env(DEV_MIN_KAFKA_SECURITY_PROTOCOL=protocol))
    assert error.code == "DEV_MIN_PLAINTEXT_KAFKA"
    assert protocol in error.detail


def test_all_violations_are_listed_and_the_first_rule_wins(rehearsal_env: dict[str, str]) -> None:
    env = {**rehearsal_env, "DEV_MIN_ORACLE_SCENARIO_ID": "latest"}
    error = _refusal(env)
    assert error.code == "PIN_NOT_EXPLICIT"
    codes = [violation["code"] for violation in error.refs["violations"]]
    assert codes == [
        "PIN_NOT_EXPLICIT",
        "DEV_MIN_SQLITE_REFUSED",
        "DEV_MIN_LOCAL_ENDPOINT",
        "DEV_MIN_LOCAL_ENDPOINT",
        "DEV_MIN_LOCAL_ENDPOINT",
        "DEV_MIN_PLAINTEXT_KAFKA",
    ]


def test_refusal_details_never_show_the_dsn_password(dev_min_env: EnvFactory) -> None:
    error = _refusal(dev_min_env(DEV_MIN_STATE_DSN="postgresql://fp:Hidden-Pw-123@10.0.0.5/fp"))
    assert error.code == "DEV_MIN_LOCAL_ENDPOINT"
    assert "Hidden-Pw-123" not in json.dumps(error.to_json()) and "Hidden-Pw-123" not in str(error)
