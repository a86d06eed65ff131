"""An explicit pack for one lane run (a shadow run), instead of the one the Oracle pointer names.

Why: a shadow runs a candidate root *before* the pointer moves onto it, so that run cannot take its
root from the pointer. It pins the root the way `dev_min` pins every run, in the profile's Oracle
section (`oracle.engine_run_root`, `oracle.scenario_id`), so run.json's config digest names the
root the run read, and SR is told to read no pointer for it (SR refuses a pin that contradicts the
pointer, which a shadow's candidate root by definition does).
"""

from __future__ import annotations

from dataclasses import dataclass

from fraud_platform.config import Profile
from fraud_platform.oracle.check import PointerEntry
from fraud_platform.oracle.layout import PackRoot

__all__ = ["PackPin", "no_pointer", "pinned_profile"]


@dataclass(frozen=True)
class PackPin:
    """The pack root and scenario a lane run reads when the pointer is not the source."""

    root: PackRoot
    scenario_id: str


def pinned_profile(profile: Profile, pin: PackPin) -> Profile:
    """`profile` with its Oracle section pinned to `pin` (stream views found under the root)."""
    oracle = profile.oracle.model_copy(
        update={"engine_run_root": pin.root.uri, "scenario_id": pin.scenario_id, "stream_view_root": None}
    )
    return profile.model_copy(update={"oracle": oracle})


def no_pointer() -> PointerEntry | None:
    """SR's pointer reader for a pinned run: the run names its root itself."""
    return None
