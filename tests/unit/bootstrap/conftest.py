"""Fixtures of the bootstrap unit tests: profiles loaded from explicit envs, no network, no real FP_HOME."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fraud_platform.config import ROLES, load_profile
from fraud_platform.config.schema import Profile

DEV_MIN_BOOTSTRAP_ENV: dict[str, str] = {
    "DEV_MIN_AWS_REGION": "eu-west-2",
    "DEV_MIN_OBJECT_STORE_BUCKET": "fp-dev-min-object-store",
    "DEV_MIN_EVIDENCE_BUCKET": "fp-dev-min-evidence",
    "DEV_MIN_KAFKA_BOOTSTRAP": "pkc-12345.eu-west-2.aws.confluent.cloud:9092",
    "DEV_MIN_KAFKA_API_KEY": "CKAPIKEYBOOTSTRAP01",
    "DEV_MIN_KAFKA_API_SECRET": "bootstrap-test-secret/with+chars=",
    "DEV_MIN_STATE_DSN": "postgresql+psycopg://fp_app:bs-Pa55word-xyz@db.dev-min.example.com:5432/fp?sslmode=require",
    "DEV_MIN_IG_URL": "https://ig.dev-min.example.com",
}
# One Confluent service account per role (the principal its own Kafka key belongs to), and one key
# pair per non-operator role (the operator uses the profile's key).
DEV_MIN_BOOTSTRAP_ENV.update(
    {
        f"DEV_MIN_KAFKA_SERVICE_ACCOUNT_{role.upper()}": f"sa-{index}x{role.replace('_', '')}"
        for index, role in enumerate(ROLES)
    }
)
DEV_MIN_BOOTSTRAP_ENV.update(
    {
        f"DEV_MIN_KAFKA_API_KEY_{role.upper()}": f"CKKEY{role.upper()}01"
        for role in ROLES
        if role != "operator"
    }
)
DEV_MIN_BOOTSTRAP_ENV.update(
    {
        f"DEV_MIN_KAFKA_API_SECRET_{role.upper()}": f"kafka-secret-{role}-01"
        for role in ROLES
        if role != "operator"
    }
)


def _local_env(home: Path, s3_port: int = 18333, kafka_port: int = 19092) -> dict[str, str]:
    return {
        "FP_HOME": str(home),
        "FP_LOCAL_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}",
        "FP_LOCAL_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka_port}",
        "FP_LOCAL_STATE_DSN": f"sqlite:///{home / 'state' / 'authority.sqlite'}",
        "FP_LOCAL_IG_PORT": "18080",
    }


@pytest.fixture
def bs_home(tmp_path: Path) -> Path:
    home = tmp_path / "bs_fp_home"
    home.mkdir()
    return home


@pytest.fixture
def local_env_for() -> Callable[..., dict[str, str]]:
    """Builds a local_parity environment whose pins point at (unused) loopback ports."""
    return _local_env


@pytest.fixture
def local_profile(bs_home: Path) -> Profile:
    return load_profile("local_parity", env=_local_env(bs_home))


@pytest.fixture
def bs_dev_min_env() -> dict[str, str]:
    return dict(DEV_MIN_BOOTSTRAP_ENV)


@pytest.fixture
def dev_min_profile() -> Profile:
    return load_profile("dev_min", env=dict(DEV_MIN_BOOTSTRAP_ENV))
