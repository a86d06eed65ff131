"""IG's Prometheus metrics, in a registry of its own (one per app, so tests never share counters).

Counters are per process: with `--workers K` each worker exposes its own and a scraper sums them
(the usual Prometheus model for pre-forked servers).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "IgMetrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST


class IgMetrics:
    """received, admitted, duplicate, quarantined by reason, publishes in flight, publish latency, batch size."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter("ig_events_received", "events received", registry=self.registry)
        self.admitted = Counter("ig_events_admitted", "events admitted to the bus", registry=self.registry)
        self.duplicate = Counter("ig_events_duplicate", "events answered DUPLICATE", registry=self.registry)
        self.quarantined = Counter(
            "ig_events_quarantined", "events quarantined, by reason code", ["reason"], registry=self.registry
        )
        self.publish_latency = Histogram(
            "ig_publish_latency_seconds",
            "time from handing a batch to the producer to every acknowledgement",
            registry=self.registry,
        )
        self.publishing = Gauge(
            "ig_publishes_in_flight",
            "batches handed to the producer and not yet acknowledged or failed",
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "ig_batch_size",
            "events per ingest request",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition of every metric."""
        return generate_latest(self.registry)
