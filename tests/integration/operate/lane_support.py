"""Shared set-up for tests that run `fp run lane` on the bootstrapped substrates.

A small synthetic world is landed and sealed (as `oracle_lander`), sorted (as `oracle_sorter`) and
put behind the profile's pointer, and the real CLI is called as an operator would, its JSON line
parsed. Imported by test modules (not a conftest), so each module keeps its own fixture scope.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import load_profile, role_credentials
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    land_world,
    seal_pack,
    set_pointer,
)
from fraud_platform.oracle.layout import default_root_uri
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.factory import open_object_store

__all__ = ["FP", "SCENARIO", "fp_json", "free_port", "point_at_small_world"]

FP = str(Path(sys.executable).with_name("fp"))
SCENARIO = "baseline_v1"


def free_port() -> int:
    """A loopback port free right now (for IG)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fp_json(env: dict[str, str], *args: str, timeout_s: float = 600) -> tuple[int, dict[str, Any], str]:
    """Run `fp ARGS --json`: exit code, the final JSON line, and stdout + stderr for messages."""
    done = subprocess.run(
        [FP, *args, "--json"], env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.returncode, json.loads(lines[-1]), done.stdout + done.stderr


def point_at_small_world(
    bootstrapped: BootstrappedSubstrates, world_dir: Path, *, seed: int = 7, flows: int = 60
) -> tuple[dict[str, str], str]:
    """Land, seal, sort and point at a small world; returns the CLI env and the pack root URI."""
    env = {**os.environ, **bootstrapped.env, "FP_LOCAL_IG_PORT": str(free_port())}
    profile = load_profile("local_parity", env=env, fp_home=bootstrapped.fp_home)
    world = synthesize_world(world_dir, seed=seed, scenario_id=SCENARIO, flows=flows)
    bucket = profile.object_store.object_store_bucket
    root = PackRoot.parse(default_root_uri(bucket, profile.oracle.namespace, world.engine_run_id))
    lander_creds = role_credentials(profile, "oracle_lander")
    lander = OracleRuntime(profile, lander_creds, open_object_store(lander_creds))
    land_world(LocalFolderSource(world.root), lander.store, root)
    assert seal_pack(lander.store, root, SCENARIO, lander.tails()).ok
    sorter = role_credentials(profile, "oracle_sorter")
    sort_stream_views(open_object_store(sorter), sorter, root, SCENARIO)
    set_pointer(lander.store, bucket, profile.profile, root.uri, SCENARIO, lander.checked_pack_id)
    return env, root.uri
