"""The one way the platform replaces a local file: atomically, durably, with an explicit mode.

Local files under FP_HOME hold credentials (`credentials/roles.json`, `seaweedfs/identities.json`)
and the state other commands read (`substrate/state.json`, `local_pins.json`). Every writer goes
through :func:`write_atomic`, so each of them gets the same three guarantees:

- a reader sees the old file or the new one, never half of one (same-directory temp file, then
  `os.replace`, which is atomic on POSIX within one file system);
- the bytes and the rename are durable before the call returns (`fsync` of the file, then of the
  directory), so a crash leaves either the old state or the new one;
- the file never has wider permissions than `mode`, not even for an instant: the temp file is
  created with `mode` (the umask can only narrow it) and then set to exactly `mode`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    """Replace `path` with `data`, readable as exactly `mode` (e.g. 0o600 for a secret).

    Creates missing parent directories. Blocking; idempotent (the same call twice leaves the same
    file). Raises OSError from the file system unchanged; on any failure the temp file is removed
    and `path` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # A random name: two threads or processes writing the same file never share a temp file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
