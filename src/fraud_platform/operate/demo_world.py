"""The demo's Oracle leg: a synthetic world landed, sealed, sorted and pointed at, ready for the lane.

Each step runs under the role that owns it in production (lander lands, seals and sets the pointer,
sorter builds the stream views), so the demo also shows the least-privilege posture holding. Every
step is idempotent (same seed, same world, same bytes), so a second demo in the same FP_HOME reuses
the world, the pack and the views and leaves the pointer where it was.
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
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.telemetry import snapshot

__all__ = ["DEMO_FLOWS", "DEMO_SCENARIO", "DEMO_SEED", "PointedPack", "world_to_pointer"]

DEMO_SCENARIO = "baseline_v1"
DEMO_FLOWS = 2000
DEMO_SEED = 42
_T = TypeVar("_T")


class _StepRunner(Protocol):
    def run(self, title: str, action: Callable[[], _T]) -> _T: ...


@dataclass(frozen=True)
class PointedPack:
    """The pack the profile's Oracle pointer names once the leg is done."""

    pack_root: str
    oracle_pack_id: str
    views: int
    view_rows: int
    pointer_moved: bool


def world_to_pointer(
    profile: Profile, home: Path, steps: _StepRunner, console: Console, *, flows: int = DEMO_FLOWS
) -> PointedPack:
    """synth → land → seal → sort → pointer set; reruns converge on the same pack."""
    world = steps.run(
        f"engine synth: a sealed synthetic world ({flows:,} flows, seed {DEMO_SEED})",
        lambda: synthesize_world(home / "worlds", seed=DEMO_SEED, scenario_id=DEMO_SCENARIO, flows=flows),
    )
    console.print(f"    {world.root}  ({sum(world.rows.values()):,} rows in {len(world.rows)} outputs)")
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
    rows = sum(view.rows for view in views)
    console.print(f"    {len(views)} views, {rows:,} rows, raw = sorted by digest")
    moved = steps.run(
        "oracle pointer set (oracle_lander): only a pack that passes the consumer check",
        lambda: set_pointer(
            lander.store, bucket, profile.profile, root.uri, DEMO_SCENARIO, lander.checked_pack_id
        ),
    )
    console.print(f"    {profile.profile} → {root.uri}  ({'moved' if moved.moved else 'already there'})")
    return PointedPack(root.uri, sealed.seal.oracle_pack_id, len(views), rows, moved.moved)
