"""The redacted tail of a child's log, for failure details and evidence.

Why redacted: a child that prints its environment or a signed URL would otherwise carry a secret
into an error message or the evidence bundle. Why bounded: a crash-looping child can write a lot,
and evidence wants the last lines that explain the death, not the whole file.
"""

from __future__ import annotations

import os
from pathlib import Path

from fraud_platform.core.redact import redact_text

__all__ = ["log_tail"]

_DEFAULT_BYTES = 4096
_DEFAULT_LINES = 20


def log_tail(path: Path, *, max_bytes: int = _DEFAULT_BYTES, max_lines: int = _DEFAULT_LINES) -> str:
    """The last `max_lines` lines within the last `max_bytes` bytes of `path`, redacted; "" if absent."""
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - max_bytes))
            raw = log.read()
    except FileNotFoundError:
        return ""
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if size > max_bytes and lines:
        lines = lines[1:]  # the first line is probably cut in the middle
    return redact_text("\n".join(lines[-max_lines:]))
