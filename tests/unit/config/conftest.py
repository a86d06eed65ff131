"""Fixtures of the config tests: explicit env dicts and a temporary FP_HOME, never the real one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

DEV_MIN_ENV: dict[str, str] = {
    "DEV_MIN_AWS_REGION": "eu-west-2",
    "DEV_MIN_OBJECT_STORE_BUCKET": "fp-dev-min-object-store",
    "DEV_MIN_EVIDENCE_BUCKET": "fp-dev-min-evidence",
    "DEV_MIN_KAFKA_BOOTSTRAP": "pkc-12345.eu-west-2.aws.confluent.cloud:9092",
    "DEV_MIN_KAFKA_API_KEY": "CKAPIKEY0123456789",
    "DEV_MIN_KAFKA_API_SECRET": "cfltSecret/with+base64=chars",
    "DEV_MIN_STATE_DSN": "postgresql+psycopg://fp_app:pg-Pa55word-xyz@db.dev-min.example.com:5432/fp?sslmode=require",
    "DEV_MIN_IG_URL": "https://ig.dev-min.example.com",
}


@pytest.fixture
def dev_min_env() -> Callable[..., dict[str, str]]:
    """A complete, valid dev_min environment; keyword overrides replace a variable (None removes it)."""

    def build(**overrides: str | None) -> dict[str, str]:
        env = dict(DEV_MIN_ENV)
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    return build


@pytest.fixture
def fp_home(tmp_path: Path) -> Path:
    """An empty temporary FP_HOME."""
    home = tmp_path / "config_fp_home"
    home.mkdir()
    return home


@pytest.fixture
def local_pins(fp_home: Path) -> dict[str, str | int]:
    """local_pins.json as `fp substrate up` writes it, in the temporary FP_HOME."""
    pins: dict[str, str | int] = {
        "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:18333",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        "FP_LOCAL_STATE_DSN": f"sqlite:///{fp_home / 'state' / 'authority.sqlite'}",
        "FP_LOCAL_IG_PORT": "18080",
    }
    (fp_home / "local_pins.json").write_text(json.dumps(pins), encoding="utf-8")
    return pins


@pytest.fixture
def local_env(fp_home: Path, local_pins: dict[str, str | int]) -> dict[str, str]:
    """An environment naming only FP_HOME (pins come from local_pins.json)."""
    return {"FP_HOME": str(fp_home)}


@pytest.fixture
def rehearsal_env(dev_min_env: Callable[..., dict[str, str]]) -> dict[str, str]:
    """dev_min pins pointing at local substrates, as a rehearsal would set them."""
    return dev_min_env(
        DEV_MIN_S3_ENDPOINT_URL="http://127.0.0.1:18333",
        DEV_MIN_KAFKA_BOOTSTRAP="127.0.0.1:19092",
        DEV_MIN_KAFKA_SECURITY_PROTOCOL="PLAINTEXT",
        DEV_MIN_STATE_DSN="sqlite:////tmp/rehearsal/authority.sqlite",
        DEV_MIN_IG_URL="http://127.0.0.1:18080",
    )
