"""Helpers of the large-object tests: a big file written fast, and a command's true peak RSS.

Peak RSS is taken from `wait4` of the measured process, but through a tiny launcher process: Linux
carries the *old* address space's high-water mark into `ru_maxrss` at `execve`, and `subprocess`
execs from a `vfork` of the caller, so a child started straight from pytest (hundreds of MB) would
report at least pytest's own peak. The launcher is a bare interpreter (~10 MB), so what it reports is
the measured command's own peak, give or take those few MB.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
FP = str(Path(sys.executable).parent / "fp")

_LAUNCHER = """\
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(child.returncode)
"""


def write_big_file(path: Path, size: int, block: bytes) -> str:
    """Write `size` bytes made of `block` repeated and return their SHA-256, computed as written.

    A repeated block is enough for memory and integrity proofs: nothing on the landing path
    deduplicates or compresses, and each byte's position still matters to the SHA-256.
    """
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def write_run_receipt(folder: Path) -> str:
    """A valid `run_receipt.json` for a world of our own (a fresh run id); returns the run id."""
    run_id = uuid.uuid4().hex
    receipt = {
        "run_id": run_id,
        "manifest_fingerprint": hashlib.sha256(run_id.encode()).hexdigest(),
        "parameter_hash": hashlib.sha256(b"large-object-world").hexdigest(),
        "seed": 7,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run_receipt.json").write_text(json.dumps(receipt, sort_keys=True))
    return run_id


@dataclass(frozen=True)
class Measured:
    """One command run to completion: exit code, last JSON line of stdout, peak RSS, stderr tail."""

    code: int
    result: dict[str, Any]
    peak_rss_mb: float
    stderr: str


def run_measured(argv: Sequence[str], env: Mapping[str, str], scratch: Path) -> Measured:
    """Run `argv` through the launcher; its peak RSS is read from `wait4` (`ru_maxrss`, KiB)."""
    rss_file = scratch / f"rss-{uuid.uuid4().hex}.txt"
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(rss_file), *argv],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    peak_kib = int(rss_file.read_text())
    rss_file.unlink()
    return Measured(
        done.returncode, json.loads(lines[-1]) if lines else {}, peak_kib / 1024, done.stderr[-2000:]
    )
