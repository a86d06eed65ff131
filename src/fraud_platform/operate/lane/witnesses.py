"""Gathering the run's three witnesses for `obs.reconcile`: WSP checkpoints, IG receipts, the bus.

Each is read from where its owner keeps it (the state store's checkpoint rows, the receipts objects,
the topics read back partition by partition with no consumer group), never from a process's output.

Resent batches: WSP moves its checkpoint (and so its `sent`) only after IG answered a batch, so a
batch whose answer never reached a checkpoint (the WSP was killed while IG worked on it, or the
response was lost and the client retried) reached IG twice: IG decided it once (ADMIT) and again
(DUPLICATE, citing the same bus record), while WSP's checkpoint counts it once. Those extra decisions
are counted here from the receipts, per output, and added to WSP's `sent` as `resent`: an event
counts only when its decisions are exactly one ADMIT and any number of DUPLICATEs that all cite that
ADMIT's `eb_ref`. Any other repetition (two ADMITs, a DUPLICATE citing another record, a quarantine
among them) is not counted, so the reconciliation still fails on it. The bus read-back is untouched
by this: each event must still be on its topic exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fraud_platform.config import Profile, kafka_settings
from fraud_platform.core.canonical import parse_json_bytes
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
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.wsp.state import WspState

__all__ = ["Witnessed", "gather", "resent_per_output"]

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


def _resent_events(decisions: list[tuple[str, Any]]) -> int:
    """How many of one event's decisions were answers to a resend (module docstring), else 0."""
    admits = [ref for decision, ref in decisions if decision == "ADMIT"]
    rest = [(decision, ref) for decision, ref in decisions if decision != "ADMIT"]
    if len(admits) != 1 or any(decision != "DUPLICATE" or ref != admits[0] for decision, ref in rest):
        return 0
    return len(rest)


def resent_per_output(store: ObjectStore, bucket: str, platform_run_id: str) -> dict[str, int]:
    """Per output (`event_type`), the decisions IG made for batches WSP sent again (module docstring)."""
    decisions: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    prefix = S3Location(bucket, f"fraud-platform/{platform_run_id}/ig/receipts/")
    for info in store.list(prefix):
        for line in store.get(S3Location(bucket, info.key)).splitlines():
            receipt = parse_json_bytes(line)
            if not isinstance(receipt, dict) or not receipt.get("event_id"):
                continue
            key = (str(receipt.get("event_type")), str(receipt["event_id"]))
            decisions.setdefault(key, []).append((str(receipt.get("decision")), receipt.get("eb_ref")))
    resent: Counter[str] = Counter()
    for (output_id, _event_id), made in decisions.items():
        if len(made) > 1:
            resent[output_id] += _resent_events(made)
    return {output_id: count for output_id, count in sorted(resent.items()) if count}


@dataclass(frozen=True)
class Witnessed:
    """The reconciliation, and the resends folded into WSP's `sent` to reach it (per output)."""

    reconciliation: Reconciliation
    resent: Mapping[str, int]


def gather(
    profile: Profile,
    store: ObjectStore,
    clock: Clock,
    platform_run_id: str,
    scenario_run_id: str,
    cap: int,
    view_rows: Mapping[str, int],
    *,
    read_deadline_s: float = _READ_DEADLINE_S,
) -> Witnessed:
    """Read the three witnesses of the run's outputs (resends counted) and set them side by side."""
    outputs = sorted(view_rows)
    bucket = profile.object_store.object_store_bucket
    checkpoints = _wsp_counts(profile, clock, platform_run_id, scenario_run_id, outputs)
    resent = resent_per_output(store, bucket, platform_run_id)
    wsp = {
        output_id: WspCounts(
            counts.sent + resent.get(output_id, 0), counts.admitted, counts.duplicate, counts.quarantined
        )
        for output_id, counts in checkpoints.items()
    }
    receipts = tally_receipts(store, bucket, platform_run_id)
    topics = {ROUTES[output].topic for output in outputs if output in ROUTES}
    partitions = {spec.name: spec.partitions for spec in TOPICS if spec.name in topics}
    reader = KafkaPartitionReader(kafka_settings(profile, _READ_ROLE), clock=clock)

    def read(topic: str, partition: int, start: int) -> list[BusMessage]:
        seen: list[BusMessage] = []

        def keep(message: BusMessage) -> bool:
            seen.append(message)
            return False

        reader.find(topic, partition, start, keep, idle_s=_IDLE_S, deadline_s=read_deadline_s)
        return seen

    records = read_bus_records(platform_run_id, partitions, receipts, read)
    return Witnessed(reconcile(platform_run_id, cap, view_rows, wsp, receipts, records), resent)
