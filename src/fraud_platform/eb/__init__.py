"""Event Bus: the topic catalogue, partitioning profiles and the event envelope (thin over `substrate.bus`)."""

from fraud_platform.eb.envelope import ROUTES, Envelope, event_id_for, route_for
from fraud_platform.eb.topics import AUDIT_TOPIC, CONTROL_TOPIC, TOPICS, topic_names

__all__ = [
    "AUDIT_TOPIC",
    "CONTROL_TOPIC",
    "ROUTES",
    "TOPICS",
    "Envelope",
    "event_id_for",
    "route_for",
    "topic_names",
]
