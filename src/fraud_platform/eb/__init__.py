"""Event Bus: the topic catalogue and partitioning profiles (thin over `substrate.bus`)."""

from fraud_platform.eb.topics import AUDIT_TOPIC, CONTROL_TOPIC, TOPICS, topic_names

__all__ = ["AUDIT_TOPIC", "CONTROL_TOPIC", "TOPICS", "topic_names"]
