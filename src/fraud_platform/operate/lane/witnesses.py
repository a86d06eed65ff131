"""Gathering the run's three witnesses for `obs.reconcile`: WSP checkpoints, IG receipts, the bus.

Each is read from where its owner keeps it (the state store's checkpoint rows, the receipts objects,
the topics read back partition by partition with no consumer group), never from a process's output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fraud_platform.config import Profile, kafka_settings
from fraud_platform.core.time import Clock
from fraud_platform.eb.envelope import ROUTES
from fraud_platform.eb.topics import TOPICS
from fraud_platform.obs.reconcile import (
    Reconciliation,
    WspCounts,
    read_bus_records,
    reconcile,
    tally_receipts,
)
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.substrate.bus.reader import KafkaPartitionReader
from fraud_platform.substrate.objectstore.port import ObjectStore
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.wsp.state import WspState

__all__ = ["gather_and_reconcile"]

_READ_ROLE = "reporter"
_IDLE_S = 2.0
_READ_DEADLINE_S = 120.0


def _wsp_counts(
    profile: Profile, clock: Clock, platform_run_id: str, scenario_run_id: str, outputs: Sequence[str]
) -> dict[str, WspCounts]:
    engine = open_state_engine(profile.state.dsn.get_secret_value())
    try:
        state = WspState(engine, clock)
        counts: dict[str, WspCounts] = {}
        for output_id in outputs:
            point = state.checkpoint(platform_run_id, scenario_run_id, output_id)
            counts[output_id] = WspCounts(point.sent, point.admitted, point.duplicate, point.quarantined)
        return counts
    finally:
        engine.dispose()


def gather_and_reconcile(
    profile: Profile,
    store: ObjectStore,
    clock: Clock,
    platform_run_id: str,
    scenario_run_id: str,
    cap: int,
    view_rows: Mapping[str, int],
) -> Reconciliation:
    """Read the three witnesses of the run's outputs and set them side by side."""
    outputs = sorted(view_rows)
    wsp = _wsp_counts(profile, clock, platform_run_id, scenario_run_id, outputs)
    receipts = tally_receipts(store, profile.object_store.object_store_bucket, platform_run_id)
    topics = {ROUTES[output].topic for output in outputs if output in ROUTES}
    partitions = {spec.name: spec.partitions for spec in TOPICS if spec.name in topics}
    reader = KafkaPartitionReader(kafka_settings(profile, _READ_ROLE), clock=clock)

    def read(topic: str, partition: int, start: int) -> list[BusMessage]:
        seen: list[BusMessage] = []

        def keep(message: BusMessage) -> bool:
            seen.append(message)
            return False

        reader.find(topic, partition, start, keep, idle_s=_IDLE_S, deadline_s=_READ_DEADLINE_S)
        return seen

    records = read_bus_records(platform_run_id, partitions, receipts, read)
    return reconcile(platform_run_id, cap, view_rows, wsp, receipts, records)
