"""Registering a loaded secret with the redaction layer, failing closed when it cannot be masked."""

from __future__ import annotations

from fraud_platform.config._reasons import SECRET_TOO_SHORT
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import register_secret

__all__ = ["MIN_SECRET_LENGTH", "register_checked"]

MIN_SECRET_LENGTH = 6


def register_checked(value: str, field: str) -> None:
    """Register `value`; a value too short to mask without mangling other text is SECRET_TOO_SHORT.

    The detail names the field, never the value.
    """
    if len(value) < MIN_SECRET_LENGTH:
        raise FailClosed(
            SECRET_TOO_SHORT,
            f"{field} is shorter than {MIN_SECRET_LENGTH} characters and could not be redacted safely",
            {"field": field},
        )
    register_secret(value)
