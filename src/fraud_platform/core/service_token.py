"""Service tokens: how one platform process proves to another which principal it is (WSP → IG).

A token is `fpst1.<principal>.<nonce>.<mac>` where `mac` is HMAC-SHA256 (hex) over
`fpst1|<principal>|<nonce>` with the verifier's signing key. Why HMAC and not a shared password per
principal: the verifier keeps one secret (its signing key) and can check any number of principals
without a table of passwords, and a token leaked from one principal names that principal only.
Verification recomputes the MAC and compares in constant time (`hmac.compare_digest`), so the
comparison leaks nothing about how many characters matched. Tokens carry no expiry: they are
rotated by rotating the signing key (bootstrap), which revokes every token at once.

Nothing here logs or formats a token or a key; callers register both for redaction where they are
loaded (`config.service_tokens`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = ["TOKEN_PREFIX", "mint_service_token", "new_signing_key", "verify_service_token"]

TOKEN_PREFIX = "fpst1"
_PRINCIPAL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_MAC = re.compile(r"^[0-9a-f]{64}$")
_MIN_KEY_BYTES = 32


def new_signing_key() -> str:
    """A fresh random signing key (64 hex characters, 256 bits)."""
    return secrets.token_hex(_MIN_KEY_BYTES)


def _key_bytes(signing_key: str) -> bytes:
    key = signing_key.encode("utf-8")
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError("a signing key needs at least 32 bytes")
    return key


def _mac(key: bytes, principal: str, nonce: str) -> str:
    message = f"{TOKEN_PREFIX}|{principal}|{nonce}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mint_service_token(signing_key: str, principal: str, *, nonce: str | None = None) -> str:
    """A token naming `principal`, signed with `signing_key`; ValueError for a bad principal or key."""
    if not _PRINCIPAL.match(principal):
        raise ValueError("a principal is lower_snake, 1-32 characters")
    chosen = nonce if nonce is not None else secrets.token_hex(16)
    if not _NONCE.match(chosen):
        raise ValueError("a nonce is 32 lowercase hex characters")
    return f"{TOKEN_PREFIX}.{principal}.{chosen}.{_mac(_key_bytes(signing_key), principal, chosen)}"


def verify_service_token(signing_key: str, token: str) -> str | None:
    """The principal a token names when its MAC is valid under `signing_key`, else None.

    Never raises for a malformed token (any garbage is simply not a principal); the MAC is compared
    in constant time.
    """
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
        return None
    _, principal, nonce, mac = parts
    if not (_PRINCIPAL.match(principal) and _NONCE.match(nonce) and _MAC.match(mac)):
        return None
    expected = _mac(_key_bytes(signing_key), principal, nonce)
    return principal if hmac.compare_digest(expected, mac) else None
