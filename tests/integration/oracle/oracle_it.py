"""Helpers of the Oracle integration tests (the fixtures are in this folder's conftest.py).

Every test lands into its own fresh pack root (a uuid under `oracle-store/it/`), because roots are
write-once and the substrates live for the whole session.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from fraud_platform.cli.app import app
from fraud_platform.oracle import OracleRuntime, PackRoot
from fraud_platform.substrate.local import LocalSubstrates

SCENARIO = "baseline_v1"


def fresh_root(runtime: OracleRuntime) -> PackRoot:
    """A pack root nobody has written to."""
    return PackRoot.parse(f"s3://{runtime.bucket}/oracle-store/it/{uuid.uuid4().hex}/")


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root` plus its mtime, to prove a source was never modified."""
    return {
        path.relative_to(
            root
        ).as_posix(): f"{hashlib.sha256(path.read_bytes()).hexdigest()}:{path.stat().st_mtime_ns}"
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def fp(local_substrates: LocalSubstrates, args: Sequence[str]) -> tuple[int, dict[str, Any]]:
    """Run `fp …  --json` in-process with the substrates' environment; (exit code, last JSON line)."""
    result = CliRunner().invoke(app, [*args, "--json"], env=local_substrates.env, catch_exceptions=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON line in stdout: {result.stdout!r} {result.stderr!r}"
    return result.exit_code, json.loads(lines[-1])
