"""Process-wide data-movement counters: S3 requests and bytes, Kafka messages and bytes.

Obs/Gov turns these into the cost and data-movement telemetry of a run, so they are counted where
the bytes actually move: S3 through botocore event hooks on every HTTP attempt (retries included,
because a retry costs a request), Kafka in the bus adapter on each acknowledged produce and each
consumed record. Counters only ever grow until :func:`reset`; they are safe to update from any
thread.

Byte accounting: S3 bytes sent are the request's `Content-Length` (the body), bytes received the
response's `Content-Length` (HTTP headers are not counted). Kafka bytes are `len(key) + len(value)`
(headers and protocol framing are not counted).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "Direction",
    "install_s3_hooks",
    "record_kafka",
    "record_s3",
    "reset",
    "snapshot",
]

Direction = Literal["produce", "consume"]


@dataclass
class _S3Counter:
    requests: int = 0
    errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


@dataclass
class _KafkaCounter:
    messages: int = 0
    bytes: int = 0


_lock = threading.Lock()
_s3: dict[tuple[str, str], _S3Counter] = {}
_kafka: dict[tuple[str, str, str], _KafkaCounter] = {}


def record_s3(
    role: str,
    operation: str,
    *,
    requests: int = 0,
    errors: int = 0,
    bytes_sent: int = 0,
    bytes_received: int = 0,
) -> None:
    """Add to the S3 counters of (`role`, `operation`)."""
    with _lock:
        counter = _s3.setdefault((role, operation), _S3Counter())
        counter.requests += requests
        counter.errors += errors
        counter.bytes_sent += bytes_sent
        counter.bytes_received += bytes_received


def record_kafka(role: str, topic: str, direction: Direction, *, messages: int = 1, nbytes: int = 0) -> None:
    """Add to the Kafka counters of (`role`, `topic`, `direction`)."""
    if direction not in ("produce", "consume"):
        raise ValueError(f"unknown Kafka direction {direction!r}")
    with _lock:
        counter = _kafka.setdefault((role, topic, direction), _KafkaCounter())
        counter.messages += messages
        counter.bytes += nbytes


def snapshot() -> dict[str, Any]:
    """A JSON-friendly copy of every counter, keys sorted.

    Shape::

        {"s3": {role: {operation: {"requests", "errors", "bytes_sent", "bytes_received"}}},
         "kafka": {role: {topic: {"produce"|"consume": {"messages", "bytes"}}}},
         "totals": {"s3_requests", "s3_errors", "s3_bytes_sent", "s3_bytes_received",
                    "kafka_messages_produced", "kafka_bytes_produced",
                    "kafka_messages_consumed", "kafka_bytes_consumed"}}
    """
    with _lock:
        s3_items = sorted((key, _S3Counter(**vars(value))) for key, value in _s3.items())
        kafka_items = sorted((key, _KafkaCounter(**vars(value))) for key, value in _kafka.items())
    s3: dict[str, dict[str, dict[str, int]]] = {}
    totals = {
        "s3_requests": 0,
        "s3_errors": 0,
        "s3_bytes_sent": 0,
        "s3_bytes_received": 0,
        "kafka_messages_produced": 0,
        "kafka_bytes_produced": 0,
        "kafka_messages_consumed": 0,
        "kafka_bytes_consumed": 0,
    }
    for (role, operation), s3_counter in s3_items:
        s3.setdefault(role, {})[operation] = dict(vars(s3_counter))
        for name, value in vars(s3_counter).items():
            totals[f"s3_{name}"] += value
    kafka: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for (role, topic, direction), kafka_counter in kafka_items:
        kafka.setdefault(role, {}).setdefault(topic, {})[direction] = dict(vars(kafka_counter))
        suffix = "produced" if direction == "produce" else "consumed"
        totals[f"kafka_messages_{suffix}"] += kafka_counter.messages
        totals[f"kafka_bytes_{suffix}"] += kafka_counter.bytes
    return {"s3": s3, "kafka": kafka, "totals": dict(sorted(totals.items()))}


def reset() -> None:
    """Zero every counter (tests, or the start of a measured run)."""
    with _lock:
        _s3.clear()
        _kafka.clear()


def _content_length(headers: Mapping[str, Any] | None) -> int:
    if headers is None:
        return 0
    raw = headers.get("Content-Length") or headers.get("content-length")
    if raw is None:
        return 0
    text = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
    return int(text) if text.isdigit() else 0


def _operation_of(event_name: str) -> str:
    return event_name.rsplit(".", 1)[-1]


class _S3Hooks:
    """Botocore event handlers bound to one role; every handler returns None (never short-circuits)."""

    def __init__(self, role: str) -> None:
        self._role = role

    def before_send(self, request: Any, event_name: str, **_: Any) -> None:
        record_s3(
            self._role,
            _operation_of(event_name),
            requests=1,
            bytes_sent=_content_length(getattr(request, "headers", None)),
        )

    def response_received(
        self,
        event_name: str,
        response_dict: Mapping[str, Any] | None = None,
        exception: BaseException | None = None,
        **_: Any,
    ) -> None:
        operation = _operation_of(event_name)
        status = int(response_dict.get("status_code", 0)) if response_dict else 0
        failed = exception is not None or status >= 400
        # A HEAD response announces the object's length but carries no body.
        has_body = response_dict is not None and not operation.startswith("Head")
        record_s3(
            self._role,
            operation,
            errors=1 if failed else 0,
            bytes_received=_content_length(response_dict.get("headers")) if has_body and response_dict else 0,
        )


def install_s3_hooks(client: Any, role: str) -> None:
    """Count every S3 HTTP attempt of a botocore `client` under `role`."""
    hooks = _S3Hooks(role)
    client.meta.events.register("before-send.s3", hooks.before_send, unique_id=f"fp-telemetry-send-{role}")
    client.meta.events.register(
        "response-received.s3", hooks.response_received, unique_id=f"fp-telemetry-recv-{role}"
    )
