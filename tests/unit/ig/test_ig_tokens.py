"""Service tokens: mint/verify, tampering, the bootstrap issue that converges, and profile lookup."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from fraud_platform.bootstrap.service_tokens import issue_service_tokens
from fraud_platform.config import profile_from_document
from fraud_platform.config.service_tokens import SERVICE_TOKENS_FILE, ig_signing_key, service_token
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import redact_text
from fraud_platform.core.service_token import mint_service_token, new_signing_key, verify_service_token


def test_a_minted_token_verifies_and_names_its_principal() -> None:
    key = new_signing_key()
    token = mint_service_token(key, "wsp")
    assert verify_service_token(key, token) == "wsp"
    assert verify_service_token(new_signing_key(), token) is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace(".wsp.", ".reporter."),
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),
        lambda t: t.replace("fpst1", "fpst2"),
        lambda t: t + ".extra",
        lambda t: "",
        lambda t: "fpst1.wsp..",
    ],
)
def test_a_tampered_token_is_no_principal(mutate) -> None:  # type: ignore[no-untyped-def]
    key = new_signing_key()
    assert verify_service_token(key, mutate(mint_service_token(key, "wsp"))) is None


def test_bad_principals_and_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        mint_service_token(new_signing_key(), "Not Allowed")
    with pytest.raises(ValueError):
        mint_service_token("short", "wsp")


def _profile(home: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    document = raw_profile("local_parity")
    document["object_store"]["endpoint_url"] = "http://127.0.0.1:1"
    document["bus"]["bootstrap"] = "127.0.0.1:2"
    document["state"] = {"dsn": f"sqlite:///{home}/state.sqlite"}
    document["ig"] = {"url": "http://127.0.0.1:3"}
    return profile_from_document(document, name="local_parity", env=env, fp_home=home)


def test_bootstrap_issues_once_then_reuses_and_rotates(tmp_path: Path) -> None:
    steps = issue_service_tokens(tmp_path)
    path = tmp_path / SERVICE_TOKENS_FILE
    first = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert {s.outcome.value for s in steps if s.target.startswith("token")} == {"issued"}
    again = issue_service_tokens(tmp_path)
    assert path.read_bytes() == first
    assert {s.outcome.value for s in again if s.target.startswith("token")} == {"reused"}
    assert [s.outcome.value for s in again if s.target.startswith("file:")] == ["unchanged"]
    rotated = issue_service_tokens(tmp_path, rotate=True)
    document = json.loads(path.read_text())
    assert document != json.loads(first)
    assert verify_service_token(document["signing_keys"]["ig"], document["tokens"]["wsp"]) == "wsp"
    assert verify_service_token(document["signing_keys"]["ig"], json.loads(first)["tokens"]["wsp"]) is None
    assert "rotated" in {s.outcome.value for s in rotated}
    assert not any(document["tokens"]["wsp"] in json.dumps(s.to_json()) for s in rotated)


def test_profile_lookup_local_and_redacted(tmp_path: Path) -> None:
    profile = _profile(tmp_path, {})
    with pytest.raises(FailClosed) as missing:
        ig_signing_key(profile)
    assert missing.value.code == "CREDENTIALS_MISSING"
    issue_service_tokens(tmp_path)
    key, token = ig_signing_key(profile), service_token(profile, "wsp")
    assert verify_service_token(key, token) == "wsp"
    assert token not in redact_text(f"token={token} key={key}")
    assert key not in redact_text(f"key={key}")
    with pytest.raises(FailClosed) as unknown:
        service_token(profile, "reporter")
    assert unknown.value.code == "CREDENTIALS_MISSING"
