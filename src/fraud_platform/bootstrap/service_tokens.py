"""Issuing IG's token signing key and the service tokens of the principals that may call IG (local).

`fp bootstrap apply` writes `FP_HOME/credentials/service_tokens.json` (mode 0600) with the `ig` signing
key and one token per principal in `TOKEN_PRINCIPALS`. Reruns converge: a key that is present and a
token that still verifies under it are reused byte for byte (so a running WSP keeps working), a
missing one is issued, and `rotate` replaces the key and re-mints every token (revoking the old ones).
Nothing here returns or logs key material: the steps name the principals only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fraud_platform.bootstrap.steps import Outcome, Step
from fraud_platform.config.service_tokens import SERVICE_TOKENS_FILE
from fraud_platform.core.atomic_file import write_atomic
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.service_token import mint_service_token, new_signing_key, verify_service_token

__all__ = ["TOKEN_PRINCIPALS", "issue_service_tokens"]

TOKEN_PRINCIPALS: tuple[str, ...] = ("wsp",)
"""The principals issued an IG token locally (IG's own policy decides what each may ingest)."""

_VERIFIER = "ig"


def _read(path: Path) -> dict[str, Any]:
    try:
        document = parse_json_bytes(path.read_bytes())
    except FileNotFoundError:
        return {}
    except ValueError:
        # An unreadable file is replaced by a fresh issue: the tokens it held could not be used anyway.
        return {}
    return document if isinstance(document, dict) else {}


def issue_service_tokens(fp_home: Path, *, rotate: bool = False) -> list[Step]:
    """Issue or reuse the IG signing key and the principals' tokens; returns one step per item."""
    path = fp_home / SERVICE_TOKENS_FILE
    document = _read(path)
    keys = document.get("signing_keys") if isinstance(document.get("signing_keys"), dict) else {}
    tokens = document.get("tokens") if isinstance(document.get("tokens"), dict) else {}
    key = keys.get(_VERIFIER) if isinstance(keys, dict) else None
    steps: list[Step] = []
    if rotate or not isinstance(key, str) or len(key) < 32:
        outcome = Outcome.ROTATED if isinstance(key, str) and rotate else Outcome.ISSUED
        key = new_signing_key()
        steps.append(Step(f"token_key:{_VERIFIER}", "signing key", outcome))
    else:
        steps.append(Step(f"token_key:{_VERIFIER}", "signing key", Outcome.REUSED))
    issued: dict[str, str] = {}
    for principal in TOKEN_PRINCIPALS:
        current = tokens.get(principal) if isinstance(tokens, dict) else None
        if isinstance(current, str) and verify_service_token(key, current) == principal:
            issued[principal] = current
            steps.append(Step(f"token:{principal}", "IG service token", Outcome.REUSED))
        else:
            issued[principal] = mint_service_token(key, principal)
            steps.append(Step(f"token:{principal}", "IG service token", Outcome.ISSUED))
    rendered = canonical_file_bytes({"signing_keys": {_VERIFIER: key}, "tokens": issued})
    changed = not path.exists() or path.read_bytes() != rendered
    if changed:
        write_atomic(path, rendered, mode=0o600)
    steps.append(
        Step(
            f"file:{SERVICE_TOKENS_FILE.as_posix()}",
            "mode 0600",
            Outcome.CHANGED if changed else Outcome.UNCHANGED,
        )
    )
    return steps
