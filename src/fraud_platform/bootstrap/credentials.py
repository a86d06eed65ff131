"""Issuing local role key pairs and keeping `FP_HOME/credentials/roles.json` (mode 0600).

Keys are reused on every rerun, so `apply` twice leaves the same file; only `--rotate` issues new
ones. The operator entry belongs to `fp substrate up` and is never touched here; entries this
module does not know are kept as they are. Every secret is registered for redaction as soon as it
is read or made, so it cannot reach a log, a report or an error message.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._files import write_private_file
from fraud_platform.bootstrap._reasons import BOOTSTRAP_CREDENTIALS_INVALID
from fraud_platform.bootstrap.roles import OPERATOR
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import register_secret

__all__ = ["ROLES_FILE", "KeyOutcome", "KeyPair", "issue_keys", "read_roles_file", "write_roles_file"]

ROLES_FILE = Path("credentials") / "roles.json"


class KeyOutcome(enum.StrEnum):
    """What `issue_keys` did for one role."""

    ISSUED = "issued"
    REUSED = "reused"
    ROTATED = "rotated"


@dataclass(frozen=True)
class KeyPair:
    """An S3 key pair; `repr` never shows the secret."""

    access_key_id: str
    secret_access_key: str = field(repr=False)

    @property
    def key_id_hint(self) -> str:
        """A non-secret hint to tell two keys apart in a report: the last four characters of the id."""
        return f"…{self.access_key_id[-4:]}"


def _new_pair() -> KeyPair:
    pair = KeyPair(f"FP{secrets.token_hex(9).upper()}", secrets.token_hex(20))
    register_secret(pair.secret_access_key)
    return pair


def read_roles_file(path: Path) -> tuple[dict[str, KeyPair], dict[str, Any]]:
    """The key pairs in `roles.json` and the raw document ({} and {} when the file is absent)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, {}
    try:
        document = parse_json_bytes(raw)
    except ValueError as error:
        raise FailClosed(BOOTSTRAP_CREDENTIALS_INVALID, f"{path} is not JSON", {"path": str(path)}) from error
    if not isinstance(document, dict):
        raise FailClosed(BOOTSTRAP_CREDENTIALS_INVALID, f"{path} is not a JSON object", {"path": str(path)})
    pairs: dict[str, KeyPair] = {}
    for role, entry in document.items():
        key_id = entry.get("access_key_id") if isinstance(entry, dict) else None
        secret = entry.get("secret_access_key") if isinstance(entry, dict) else None
        if not isinstance(key_id, str) or not key_id or not isinstance(secret, str) or not secret:
            raise FailClosed(
                BOOTSTRAP_CREDENTIALS_INVALID,
                f"{path}: entry {role!r} needs access_key_id and secret_access_key",
                {"path": str(path), "role": role},
            )
        try:
            register_secret(secret)
        except ValueError as error:
            raise FailClosed(
                BOOTSTRAP_CREDENTIALS_INVALID,
                f"{path}: the secret of {role!r} is too short to be a real key",
                {"path": str(path), "role": role},
            ) from error
        pairs[role] = KeyPair(key_id, secret)
    return pairs, document


def issue_keys(
    existing: Mapping[str, KeyPair], roles: Sequence[str], *, rotate: bool = False
) -> tuple[dict[str, KeyPair], dict[str, KeyOutcome]]:
    """A key pair for every role in `roles` (never the operator): reused unless absent or `rotate`."""
    pairs: dict[str, KeyPair] = {}
    outcomes: dict[str, KeyOutcome] = {}
    for role in roles:
        if role == OPERATOR:
            raise ValueError("the operator key pair belongs to `fp substrate up`")
        current = existing.get(role)
        if current is not None and not rotate:
            pairs[role], outcomes[role] = current, KeyOutcome.REUSED
        else:
            pairs[role] = _new_pair()
            outcomes[role] = KeyOutcome.ROTATED if current is not None else KeyOutcome.ISSUED
    return pairs, outcomes


def write_roles_file(path: Path, document: Mapping[str, Any], pairs: Mapping[str, KeyPair]) -> bool:
    """Merge `pairs` into the existing `document` and write it 0600; False when the bytes are unchanged."""
    merged = dict(document)
    for role, pair in pairs.items():
        merged[role] = {"access_key_id": pair.access_key_id, "secret_access_key": pair.secret_access_key}
    data = canonical_file_bytes(merged)
    try:
        unchanged = path.read_bytes() == data and (path.stat().st_mode & 0o777) == 0o600
    except FileNotFoundError:
        unchanged = False
    if not unchanged:
        write_private_file(path, data, mode=0o600)
    return not unchanged
