"""The operator identity: SeaweedFS's `-s3.config` file and the operator entry of roles.json.

SeaweedFS runs with `-s3.config=FP_HOME/seaweedfs/identities.json`; with at least one identity in
that file every unsigned request is refused, so there is no anonymous access. `up` creates the file
once with a freshly generated `operator` key pair (Admin) and writes the same pair to
`FP_HOME/credentials/roles.json` (mode 0600), keeping any roles `fp bootstrap apply` added there.
Later `up`s reuse both files; if they disagree we refuse rather than rotate keys behind anyone's back.
"""

from __future__ import annotations

import secrets
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import register_secret
from fraud_platform.substrate.local._reasons import SUBSTRATE_STATE_INVALID
from fraud_platform.substrate.local.state_file import (
    SubstratePaths,
    read_json_file,
    write_json_file,
)
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = ["OPERATOR_ROLE", "REGION", "ensure_operator", "load_operator", "operator_credentials"]

OPERATOR_ROLE = "operator"
REGION = "us-east-1"
_SECRET_MODE = 0o600


def _new_key_pair() -> tuple[str, str]:
    return f"FP{secrets.token_hex(9).upper()}", secrets.token_hex(20)


def _identity_keys(identities: Any, name: str) -> tuple[str, str] | None:
    if not isinstance(identities, dict) or not isinstance(identities.get("identities"), list):
        raise FailClosed(SUBSTRATE_STATE_INVALID, "identities.json has no `identities` list", {})
    for identity in identities["identities"]:
        if isinstance(identity, dict) and identity.get("name") == name:
            credentials = identity.get("credentials") or []
            if credentials and isinstance(credentials[0], dict):
                return str(credentials[0]["accessKey"]), str(credentials[0]["secretKey"])
    return None


def _role_keys(roles: Any, role: str) -> tuple[str, str] | None:
    if roles is None:
        return None
    if not isinstance(roles, dict):
        raise FailClosed(SUBSTRATE_STATE_INVALID, "roles.json is not a JSON object", {})
    entry = roles.get(role)
    if not isinstance(entry, dict):
        return None
    return str(entry["access_key_id"]), str(entry["secret_access_key"])


def ensure_operator(paths: SubstratePaths) -> tuple[str, str]:
    """Create (first run) or verify (later runs) the operator key pair in both files; returns it."""
    identities = read_json_file(paths.identities_file)
    roles = read_json_file(paths.roles_file)
    if identities is None:
        access_key, secret_key = _new_key_pair()
        register_secret(secret_key)
        write_json_file(
            paths.identities_file,
            {
                "identities": [
                    {
                        "name": OPERATOR_ROLE,
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin"],
                    }
                ]
            },
            mode=_SECRET_MODE,
        )
        merged = dict(roles or {})
        merged[OPERATOR_ROLE] = {"access_key_id": access_key, "secret_access_key": secret_key}
        write_json_file(paths.roles_file, merged, mode=_SECRET_MODE)
        return access_key, secret_key
    in_identities = _identity_keys(identities, OPERATOR_ROLE)
    in_roles = _role_keys(roles, OPERATOR_ROLE)
    if in_identities is None or in_identities != in_roles:
        raise FailClosed(
            SUBSTRATE_STATE_INVALID,
            "the operator key pair in identities.json and credentials/roles.json differ or is missing",
            {"identities": str(paths.identities_file), "roles": str(paths.roles_file)},
        )
    register_secret(in_identities[1])
    return in_identities


def load_operator(paths: SubstratePaths) -> tuple[str, str]:
    """The operator key pair from roles.json; missing → FailClosed(SUBSTRATE_STATE_INVALID)."""
    keys = _role_keys(read_json_file(paths.roles_file), OPERATOR_ROLE)
    if keys is None:
        raise FailClosed(
            SUBSTRATE_STATE_INVALID,
            "no operator entry in credentials/roles.json",
            {"fp_home": str(paths.fp_home)},
        )
    register_secret(keys[1])
    return keys


def operator_credentials(paths: SubstratePaths, endpoint: str) -> S3Credentials:
    """The operator as `S3Credentials` for `endpoint` (region us-east-1)."""
    access_key, secret_key = load_operator(paths)
    return S3Credentials(
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=access_key,
        secret_access_key=secret_key,
        role=OPERATOR_ROLE,
    )
