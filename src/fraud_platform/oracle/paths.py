"""Path safety for landing: a landed key must be a plain relative path that stays inside its root.

Engine trees are plain (`data/layer3/6B/…/part-000.parquet`), so anything unusual is refused rather
than normalised: normalising `a/../b` to `b` would land bytes under a name the source never had.
"""

from __future__ import annotations

import unicodedata

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._reasons import LANDING_PATH_RESERVED, LANDING_PATH_UNSAFE
from fraud_platform.oracle.layout import is_reserved

__all__ = ["MAX_KEY_BYTES", "check_landable", "safe_relative_path"]

MAX_KEY_BYTES = 900  # S3 allows 1024 bytes per key; leave room for the pack-root prefix.


def safe_relative_path(path: str) -> str:
    """Return `path` unchanged when it is a safe relative POSIX path, else raise LANDING_PATH_UNSAFE.

    Refused: empty paths, absolute paths (`/x`, `C:`), `.`/`..`/empty segments, backslashes,
    control characters, lone surrogates (undecodable file names) and keys too long for S3.
    """
    problem = _problem(path)
    if problem is not None:
        raise FailClosed(LANDING_PATH_UNSAFE, f"{problem}: {path!r}", {"path": repr(path)})
    return path


def check_landable(path: str) -> str:
    """A safe relative path that does not shadow an Oracle-reserved name (LANDING_PATH_RESERVED)."""
    safe_relative_path(path)
    if is_reserved(path):
        raise FailClosed(
            LANDING_PATH_RESERVED, f"the source holds a reserved Oracle name: {path}", {"path": path}
        )
    return path


def _problem(path: str) -> str | None:
    if not path:
        return "empty path"
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return "absolute path"
    if "\\" in path:
        return "backslash in path"
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8"
    if len(encoded) > MAX_KEY_BYTES:
        return "path too long for an object key"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in path):
        return "control character in path"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "empty, '.' or '..' segment"
    return None
