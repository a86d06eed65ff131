"""Local files bootstrap writes (roles.json, identities.json, plan and reports): one atomic writer.

Thin on purpose: the guarantees (atomic replace, durable, never wider than `mode`) live in
`fraud_platform.core.atomic_file.write_atomic`, shared with the substrate's state files.
"""

from __future__ import annotations

from pathlib import Path

from fraud_platform.core.atomic_file import write_atomic

__all__ = ["write_private_file"]


def write_private_file(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Atomically replace `path` with `data`, created with exactly `mode` (0600 unless told otherwise).

    A reader sees the old file or the new one, never half of one; the file is never briefly
    readable by others than `mode` allows. See `write_atomic`.
    """
    write_atomic(path, data, mode=mode)
