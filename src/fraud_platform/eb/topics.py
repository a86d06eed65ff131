"""The topic catalogue of CONTRACTS.md: every topic the platform produces to or consumes from."""

from __future__ import annotations

from fraud_platform.substrate.bus.port import TopicSpec

__all__ = ["AUDIT_TOPIC", "CONTROL_TOPIC", "TOPICS", "TRAFFIC_AND_CONTEXT_TOPICS", "topic_names"]

_DAY_MS = 24 * 3600 * 1000

CONTROL_TOPIC = "fp.bus.control.v1"
AUDIT_TOPIC = "fp.bus.audit.v1"

TRAFFIC_AND_CONTEXT_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("fp.bus.traffic.fraud.v1", partitions=2, retention_ms=7 * _DAY_MS),
    TopicSpec("fp.bus.traffic.baseline.v1", partitions=2, retention_ms=7 * _DAY_MS),
    TopicSpec("fp.bus.context.arrival_events.v1", partitions=2, retention_ms=7 * _DAY_MS),
    TopicSpec("fp.bus.context.arrival_entities.v1", partitions=2, retention_ms=7 * _DAY_MS),
    TopicSpec("fp.bus.context.flow_anchor.fraud.v1", partitions=2, retention_ms=7 * _DAY_MS),
    TopicSpec("fp.bus.context.flow_anchor.baseline.v1", partitions=2, retention_ms=7 * _DAY_MS),
)

# Control and audit are single-partition: one total order per run is what their readers need.
TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(CONTROL_TOPIC, partitions=1, retention_ms=30 * _DAY_MS),
    *TRAFFIC_AND_CONTEXT_TOPICS,
    TopicSpec(AUDIT_TOPIC, partitions=1, retention_ms=30 * _DAY_MS),
)


def topic_names() -> list[str]:
    """Names of every catalogue topic, in catalogue order."""
    return [spec.name for spec in TOPICS]
