"""The whole lane's data movement: the lane process's own counters plus its children's telemetry parts.

Why: `substrate.telemetry.snapshot()` counts only the process it runs in, so a lane that priced that
alone would leave out everything IG (produce to the topics, receipts to S3) and WSP (view reads from
S3) moved, which is most of a run's cost. Each child writes its own run-scoped telemetry part when it
ends (IG on graceful shutdown, one part per run it served; WSP when `consume` returns), so once the
supervisor has stopped them, the lane reads the run's `telemetry_parts/` back, keeps the parts of its
children's components, and adds them to its own snapshot.

Why not every part: the lane process writes parts of its own (the mint's, component `operate`), which
its snapshot already counts; adding them again would count them twice. Parts of an earlier attempt of
the same run (a lane killed before its commit) are kept: that movement is the run's too.

The result has the snapshot's shape (`s3` by role and operation, `kafka` by role, topic and direction,
so the cost estimate and the per-role breakdown read it unchanged), plus `components`: the same
counters per component (`lane`, `ig`, `wsp`) and `parts`: the keys of the parts that were added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.telemetry import counters_add, read_telemetry_part
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["CHILD_COMPONENTS", "LANE_COMPONENT", "lane_telemetry"]

CHILD_COMPONENTS: Final = ("ig", "wsp")
LANE_COMPONENT: Final = "lane"
_COUNTED = ("s3", "kafka", "totals")


def _counted(counters: Mapping[str, Any]) -> dict[str, Any]:
    return {key: counters[key] for key in _COUNTED if key in counters}


def lane_telemetry(store: ObjectStore, evidence: RunEvidence, own: Mapping[str, Any]) -> dict[str, Any]:
    """The lane process's snapshot `own` plus every part its children wrote for the run (module doc)."""
    components: dict[str, dict[str, Any]] = {LANE_COMPONENT: _counted(own)}
    added: list[str] = []
    for info in store.list(evidence.telemetry_parts):
        name = info.key.rsplit("/", 1)[-1]
        part = read_telemetry_part(store, evidence.telemetry_parts.child(name))
        if part.component not in CHILD_COMPONENTS:
            continue
        components[part.component] = counters_add(components.get(part.component, {}), _counted(part.counters))
        added.append(name)
    total: dict[str, Any] = {}
    for counters in components.values():
        total = counters_add(total, counters)
    return {**total, "components": components, "parts": added}
