"""The operator key pair: created once in both files (0600), kept, and never silently rotated."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import registered_secrets
from fraud_platform.substrate.local.credentials import ensure_operator, operator_credentials
from fraud_platform.substrate.local.state_file import SubstratePaths, write_json_file


def test_substrate_operator_created_once(tmp_path: Path) -> None:
    paths = SubstratePaths(tmp_path)
    write_json_file(paths.roles_file, {"sr": {"access_key_id": "A", "secret_access_key": "S" * 8}})
    access_key, secret_key = ensure_operator(paths)
    identities = json.loads(paths.identities_file.read_text())
    assert identities["identities"] == [
        {
            "name": "operator",
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin"],
        }
    ]
    roles = json.loads(paths.roles_file.read_text())
    assert roles["operator"] == {"access_key_id": access_key, "secret_access_key": secret_key}
    assert "sr" in roles
    for path in (paths.identities_file, paths.roles_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key in registered_secrets()
    assert ensure_operator(paths) == (access_key, secret_key)
    credentials = operator_credentials(paths, "http://127.0.0.1:1")
    assert (credentials.role, credentials.region, credentials.access_key_id) == (
        "operator",
        "us-east-1",
        access_key,
    )
    assert secret_key not in repr(credentials)


def test_substrate_operator_mismatch_fails_closed(tmp_path: Path) -> None:
    paths = SubstratePaths(tmp_path)
    ensure_operator(paths)
    write_json_file(paths.roles_file, {"operator": {"access_key_id": "OTHER", "secret_access_key": "x" * 40}})
    with pytest.raises(FailClosed) as raised:
        ensure_operator(paths)
    assert raised.value.code == "SUBSTRATE_STATE_INVALID"
