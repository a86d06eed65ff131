"""IG settings, the publish-pause test hook, the rate limiter and the authenticator (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fraud_platform.config import profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.service_token import mint_service_token, new_signing_key
from fraud_platform.core.time import FixedClock
from fraud_platform.ig.auth import Authenticator, RateLimiter
from fraud_platform.ig.settings import PAUSE_ENV, IgSettings, PausePoint, pause_from_profile


def _profile(tmp_path: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    document = raw_profile("local_parity")
    document["object_store"]["endpoint_url"] = "http://127.0.0.1:1"
    document["bus"]["bootstrap"] = "127.0.0.1:2"
    document["state"] = {"dsn": f"sqlite:///{tmp_path}/state.sqlite"}
    document["ig"] = {"url": "http://127.0.0.1:3"}
    return profile_from_document(document, name="local_parity", env=env, fp_home=tmp_path)


def test_claim_ttl_must_outlast_the_producer() -> None:
    with pytest.raises(FailClosed) as refused:
        IgSettings(claim_ttl_s=8, delivery_timeout_s=5)
    assert refused.value.code == "IG_SETTINGS_INVALID"
    assert IgSettings(claim_ttl_s=12, delivery_timeout_s=5).claim_ttl_s == 12


def test_pause_hook_is_parsed_from_the_profile_env(tmp_path: Path) -> None:
    assert pause_from_profile(_profile(tmp_path, {})) is None
    hooked = _profile(tmp_path, {PAUSE_ENV: "after_publish:7.5"})
    assert pause_from_profile(hooked) == PausePoint("after_publish", 7.5)
    for bad in ("after_publish:0", "nowhere:3", "after_publish:x"):
        with pytest.raises(FailClosed) as refused:
            pause_from_profile(_profile(tmp_path, {PAUSE_ENV: bad}))
        assert refused.value.code == "IG_SETTINGS_INVALID"


def test_rate_limiter_refills_with_time() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(2.0, 2, clock)
    limiter.take()
    limiter.take()
    with pytest.raises(TransientError) as limited:
        limiter.take()
    assert limited.value.code == "IG_RATE_LIMITED"
    clock.advance(0.5)
    limiter.take()
    RateLimiter(0.0, 1, clock).take()  # disabled: never limits


def test_authenticator_statuses() -> None:
    key = new_signing_key()
    auth = Authenticator(key)
    assert auth.ingest_principal(f"Bearer {mint_service_token(key, 'wsp')}") == "wsp"
    for header, code in [
        (None, "IG_AUTH_MISSING"),
        ("Basic abc", "IG_AUTH_MISSING"),
        (f"Bearer {mint_service_token(new_signing_key(), 'wsp')}", "IG_AUTH_INVALID"),
        (f"Bearer {mint_service_token(key, 'reporter')}", "IG_PRINCIPAL_FORBIDDEN"),
    ]:
        with pytest.raises(FailClosed) as refused:
            auth.ingest_principal(header)
        assert refused.value.code == code
        assert key not in str(refused.value)
