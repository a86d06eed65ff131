"""The one redaction layer: secret values registered here never reach logs, evidence or errors.

Secrets are registered when they are loaded (profile pins, role credentials); every log line, error
detail and evidence document passes through :func:`redact_text` / :func:`redact_value`.
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = [
    "REDACTED",
    "is_secret_key",
    "redact_text",
    "redact_value",
    "register_secret",
    "registered_secrets",
]

REDACTED = "***REDACTED***"
_SECRET_KEY_PATTERN = re.compile(r"(secret|password|passwd|api_key|apikey|token|credential|private)", re.I)
_MIN_SECRET_LENGTH = 6
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that every later redaction masks it; short values are refused."""
    if not value:
        return
    if len(value) < _MIN_SECRET_LENGTH:
        raise ValueError("secret values shorter than 6 characters cannot be redacted safely")
    with _lock:
        _secrets.add(value)


def registered_secrets() -> frozenset[str]:
    """The secrets registered so far (for the test that greps logs and evidence for them)."""
    with _lock:
        return frozenset(_secrets)


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret, so its value is masked whatever it is."""
    return bool(_SECRET_KEY_PATTERN.search(key))


def redact_text(text: str) -> str:
    """Mask every registered secret that occurs in `text`, longest first."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_value(value: Any) -> Any:
    """Redact a JSON-like value: secret-named keys are masked, strings are scrubbed of known secrets."""
    if isinstance(value, dict):
        return {
            key: (REDACTED if is_secret_key(str(key)) and item not in (None, "") else redact_value(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
