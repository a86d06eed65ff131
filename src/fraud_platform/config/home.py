"""Where the platform keeps its local files (FP_HOME): one resolver, so nothing else reads the env for it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["fp_home"]

_DEFAULT_HOME = "~/.fraud-platform"


def fp_home(env: Mapping[str, str] | None = None) -> Path:
    """Absolute FP_HOME from `env` (default `os.environ`), else `~/.fraud-platform`; never creates it."""
    source = os.environ if env is None else env
    raw = source.get("FP_HOME") or _DEFAULT_HOME
    return Path(raw).expanduser().resolve()
