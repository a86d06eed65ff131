"""The redacted view and the config digest: stable, secret-free, sensitive to every non-secret value."""

from __future__ import annotations

import json
from collections.abc import Callable

from fraud_platform.config import config_digest, load_profile, redacted_view
from fraud_platform.core.canonical import digest_of
from fraud_platform.core.redact import REDACTED

EnvFactory = Callable[..., dict[str, str]]


def test_redacted_view_masks_every_secret(dev_min_env: EnvFactory) -> None:
    view = redacted_view(load_profile("dev_min", env=dev_min_env()))
    assert view["bus"]["api_key"] == REDACTED and view["bus"]["api_secret"] == REDACTED
    assert view["state"]["dsn"] == (
        f"postgresql+psycopg://fp_app:{REDACTED}@db.dev-min.example.com:5432/fp?sslmode=require"
    )
    text = json.dumps(view)
    for secret in ("CKAPIKEY0123456789", "cfltSecret/with+base64=chars", "pg-Pa55word-xyz"):
        assert secret not in text


def test_query_string_passwords_are_masked_too(dev_min_env: EnvFactory) -> None:
    dsn = "postgresql://db.example.com/fp?user=fp&password=query-Pw-9876"
    view = redacted_view(load_profile("dev_min", env=dev_min_env(DEV_MIN_STATE_DSN=dsn)))
    assert "query-Pw-9876" not in view["state"]["dsn"] and "user=fp" in view["state"]["dsn"]


def test_null_secrets_stay_null_and_a_password_free_dsn_is_shown_verbatim(local_env: dict[str, str]) -> None:
    profile = load_profile("local_parity", env=local_env)
    view = redacted_view(profile)
    assert view["bus"]["api_key"] is None and view["bus"]["api_secret"] is None
    assert view["state"]["dsn"] == profile.state.dsn.get_secret_value()


def test_config_digest_is_the_digest_of_the_view_and_stable(dev_min_env: EnvFactory) -> None:
    first = load_profile("dev_min", env=dev_min_env())
    second = load_profile("dev_min", env=dev_min_env())
    assert config_digest(first) == config_digest(second) == digest_of(redacted_view(first))
    assert config_digest(first)["algo"] == "sha256" and len(config_digest(first)["hex"]) == 64


def test_config_digest_ignores_secret_values_but_not_settings(dev_min_env: EnvFactory) -> None:
    base = config_digest(load_profile("dev_min", env=dev_min_env()))
    rotated = dev_min_env(
        DEV_MIN_KAFKA_API_SECRET="another-secret-value",
        DEV_MIN_STATE_DSN="postgresql+psycopg://fp_app:rotated-pw-000@db.dev-min.example.com:5432/fp?sslmode=require",
    )
    assert config_digest(load_profile("dev_min", env=rotated)) == base
    moved = dev_min_env(DEV_MIN_IG_URL="https://ig2.dev-min.example.com")
    assert config_digest(load_profile("dev_min", env=moved)) != base
