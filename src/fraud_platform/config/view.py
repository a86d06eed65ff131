"""The secret-free face of a profile: a redacted view for display and evidence, and its digest.

Redaction here is structural (secret fields become a fixed marker; a DSN keeps everything but its
password), never a scan for registered secrets, so the view and the digest depend only on the profile
and not on what else this process happens to have loaded. Anyone holding the view can recompute the
digest: `config_digest(p) == digest_of(redacted_view(p))`.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from fraud_platform.config._endpoints import mask_dsn
from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import Digest, digest_of
from fraud_platform.core.redact import REDACTED

__all__ = ["SECRET_MARKER", "config_digest", "redacted_view"]

SECRET_MARKER = REDACTED


def _plain(value: Any, key: str) -> Any:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        return mask_dsn(secret, SECRET_MARKER) if key == "dsn" else SECRET_MARKER
    if isinstance(value, dict):
        return {name: _plain(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, key) for item in value]
    return value


def redacted_view(profile: Profile) -> dict[str, Any]:
    """The resolved profile as a JSON-ready dict with every secret masked (null secrets stay null)."""
    view: dict[str, Any] = _plain(profile.model_dump(mode="python"), "")
    return view


def config_digest(profile: Profile) -> Digest:
    """cj1 digest of :func:`redacted_view`: stable across runs, free of secrets, changes with any pin."""
    return digest_of(redacted_view(profile))
