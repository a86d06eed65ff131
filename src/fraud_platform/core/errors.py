"""The error tree of the platform.

    PlatformError            carries a registered ReasonCode, a detail and refs
     ├── FailClosed          a refusal or failed check: nothing unsafe happened; exit code 2
     └── TransientError      retryable trouble (substrate down, lease held): exit code 2, retry may help
                             (its `--json` line says `"transient": true`)

Third-party errors are translated where they enter (each adapter's `map_*_errors()`), raised `from`
the original, so no caller ever catches a botocore or Kafka exception. Details pass through the
redaction layer so a secret can never ride out in an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fraud_platform.core.reasons import ReasonCode, lookup
from fraud_platform.core.redact import redact_text, redact_value

__all__ = ["FailClosed", "PlatformError", "TransientError"]


class PlatformError(Exception):
    """Base of every error the platform raises on purpose; always carries a registered reason code."""

    def __init__(self, code: ReasonCode | str, detail: str = "", refs: Mapping[str, Any] | None = None):
        self.info = lookup(code)
        self.code = self.info.code
        self.detail = redact_text(detail)
        self.refs: dict[str, Any] = redact_value(dict(refs or {}))
        super().__init__(f"{self.code}: {self.detail}" if self.detail else str(self.code))

    @property
    def transient(self) -> bool:
        """Whether retrying the same call may succeed."""
        return self.info.transient

    def to_json(self) -> dict[str, Any]:
        """The `--json` failure line: `{"ok": false, "code", "detail", "refs", "transient"}`.

        `transient` tells a script whether retrying the same command may succeed, without it having to
        know every reason code.
        """
        return {
            "ok": False,
            "code": str(self.code),
            "detail": self.detail,
            "refs": self.refs,
            "transient": self.transient,
        }


class FailClosed(PlatformError):
    """A fail-closed refusal: the platform declined to proceed rather than guess."""


class TransientError(PlatformError):
    """A retryable failure: the substrate or a lease was unavailable; nothing was committed."""
