"""The demo's main job: a synthetic world through the Oracle Store to READY on the control topic.

Each step runs under the role that owns it in production (lander lands and seals, sorter builds the
stream views, SR submits), so the demo also shows the least-privilege posture holding end to end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from rich.console import Console

from fraud_platform.config import Profile, role_credentials
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
from fraud_platform.sr.outcome import RunRequest
from fraud_platform.sr.runtime import SrRuntime
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.telemetry import snapshot

__all__ = ["DEMO_FLOWS", "DEMO_SCENARIO", "WorldToReady", "world_to_ready"]

DEMO_SCENARIO = "baseline_v1"
DEMO_FLOWS = 2000
_T = TypeVar("_T")


class _StepRunner(Protocol):
    def run(self, title: str, action: Callable[[], _T]) -> _T: ...


@dataclass(frozen=True)
class WorldToReady:
    """Where the world went and what SR published."""

    pack_root: str
    scenario_run_id: str
    state: str
    message_id: str | None
    views: int


def _run_key(platform_run_id: str, engine_run_id: str) -> str:
    """SR's idempotency key: one scenario run per demo run. SR binds a key to the platform run that
    first used it, so a key without the platform run id would refuse every later demo in the same
    FP_HOME (same seed, same world) with PLATFORM_RUN_MISMATCH."""
    return f"demo|{platform_run_id}|{engine_run_id}|{DEMO_SCENARIO}"


def world_to_ready(
    profile: Profile, home: Path, platform_run_id: str, steps: _StepRunner, console: Console
) -> WorldToReady:
    """synth → land → seal → sort → pointer → SR submit; every step idempotent, so reruns converge."""
    world = steps.run(
        f"engine synth: a sealed synthetic world ({DEMO_FLOWS:,} flows, seed 42)",
        lambda: synthesize_world(home / "worlds", seed=42, scenario_id=DEMO_SCENARIO, flows=DEMO_FLOWS),
    )
    console.print(f"    {world.root}  ({sum(world.rows.values()):,} rows in 11 outputs)")
    bucket = profile.object_store.object_store_bucket
    root = PackRoot.parse(default_root_uri(bucket, profile.oracle.namespace, world.engine_run_id))
    lander_creds = role_credentials(profile, "oracle_lander")
    lander = OracleRuntime(profile, lander_creds, open_object_store(lander_creds))
    landed = steps.run(
        "oracle land (oracle_lander): write-once, SHA-256 per file, landing manifest last",
        lambda: land_world(LocalFolderSource(world.root), lander.store, root, telemetry=snapshot),
    )
    console.print(f"    {root.uri}  {landed.files} files, {landed.bytes:,} bytes, {landed.skipped} skipped")
    sealed = steps.run(
        "oracle seal (oracle_lander): every gate verified by hash from the landed bytes",
        lambda: seal_pack(lander.store, root, DEMO_SCENARIO, lander.tails()),
    )
    console.print(f"    {sealed.seal.seal_status}  oracle_pack_id {sealed.seal.oracle_pack_id[:16]}…")
    sorter = role_credentials(profile, "oracle_sorter")
    views = steps.run(
        "oracle sort (oracle_sorter): stream views with closure receipts",
        lambda: sort_stream_views(open_object_store(sorter), sorter, root, DEMO_SCENARIO),
    )
    console.print(
        f"    {len(views)} views, {sum(view.rows for view in views):,} rows, raw = sorted by digest"
    )
    steps.run(
        "oracle pointer set (oracle_lander): only a pack that passes the consumer check",
        lambda: set_pointer(
            lander.store, bucket, profile.profile, root.uri, DEMO_SCENARIO, lander.checked_pack_id
        ),
    )
    with SrRuntime.open(profile) as sr:
        outcome = steps.run(
            "sr submit (sr): evidence by reference, ledger, READY on fp.bus.control.v1",
            lambda: sr.submit(RunRequest(platform_run_id, _run_key(platform_run_id, world.engine_run_id))),
        )
    console.print(
        f"    {outcome.state}  scenario_run_id {outcome.scenario_run_id}  message_id {outcome.message_id}"
    )
    return WorldToReady(root.uri, outcome.scenario_run_id, str(outcome.state), outcome.message_id, len(views))
