"""Atomic local file writes with the mode set before any byte lands (credentials are never world-readable)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_private_file"]


def write_private_file(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write `data` to `path` via a same-directory temp file created with `mode`, then rename.

    A reader sees the old file or the new one, never half of one; the temp file is created with the
    final permissions, so a secret is never briefly readable by others.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
