"""librdkafka configuration shared by producer, consumer and admin, and the quiet, redacting logger.

librdkafka logs through a Python logger we hand it (served on poll), at warning level and above
only, so a broker that is down yields a few lines rather than a flood. The logger carries a
`NullHandler` (nothing reaches stderr unless the application configured logging) and a filter that
masks every registered secret, so a SASL password can never be printed even if a log line quoted it.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import redact_text, register_secret
from fraud_platform.substrate._reasons import BUS_CONFIG_INVALID
from fraud_platform.substrate.bus.port import KafkaSettings

__all__ = [
    "LIBRDKAFKA_LOGGER_NAME",
    "base_config",
    "consumer_config",
    "librdkafka_logger",
    "producer_config",
]

LIBRDKAFKA_LOGGER_NAME = "fraud_platform.substrate.bus.librdkafka"
_SYSLOG_WARNING = 4
_SASL_PROTOCOLS = frozenset({"SASL_SSL", "SASL_PLAINTEXT"})
_PROTOCOLS = frozenset({"PLAINTEXT", "SSL", *_SASL_PROTOCOLS})
_MIN_REDACTABLE = 6


class _RedactingFilter(logging.Filter):
    """Renders the message once and masks registered secrets in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


def librdkafka_logger() -> logging.Logger:
    """The logger librdkafka writes to (idempotent set-up)."""
    logger = logging.getLogger(LIBRDKAFKA_LOGGER_NAME)
    if not any(isinstance(item, _RedactingFilter) for item in logger.filters):
        logger.addFilter(_RedactingFilter())
        logger.addHandler(logging.NullHandler())
    return logger


def _on_client_error(error: KafkaError) -> None:
    """Client-level errors (broker down, auth failure) are logged; calls report their own errors."""
    librdkafka_logger().warning("librdkafka: %s: %s", error.name(), error.str())


def base_config(settings: KafkaSettings, *, suffix: str) -> dict[str, Any]:
    """Connection, security and logging properties; FailClosed(BUS_CONFIG_INVALID) when inconsistent."""
    protocol = settings.security_protocol.upper()
    if protocol not in _PROTOCOLS:
        raise FailClosed(BUS_CONFIG_INVALID, f"unknown security protocol {settings.security_protocol!r}")
    if not settings.bootstrap:
        raise FailClosed(BUS_CONFIG_INVALID, "no bootstrap servers")
    config: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap,
        "client.id": f"{settings.client_id}-{settings.role}-{suffix}",
        "security.protocol": protocol,
        "socket.keepalive.enable": True,
        "logger": librdkafka_logger(),
        "log_level": _SYSLOG_WARNING,
        "error_cb": _on_client_error,
    }
    sasl_fields = (settings.sasl_mechanism, settings.sasl_username, settings.sasl_password)
    if protocol in _SASL_PROTOCOLS:
        if not all(sasl_fields):
            raise FailClosed(
                BUS_CONFIG_INVALID,
                f"{protocol} needs a SASL mechanism, username (API key) and password (API secret)",
                {"role": settings.role},
            )
        password = str(settings.sasl_password)
        if len(password) >= _MIN_REDACTABLE:
            register_secret(password)
        config["sasl.mechanism"] = settings.sasl_mechanism
        config["sasl.username"] = settings.sasl_username
        config["sasl.password"] = password
    elif any(sasl_fields):
        raise FailClosed(
            BUS_CONFIG_INVALID,
            f"SASL settings given but security protocol is {protocol}",
            {"role": settings.role},
        )
    return config


def producer_config(settings: KafkaSettings, *, delivery_timeout_s: float) -> dict[str, Any]:
    """Idempotent, `acks=all`, no batching delay: `produce_sync` waits for each record anyway."""
    return base_config(settings, suffix="producer") | {
        "enable.idempotence": True,
        "acks": "all",
        "message.timeout.ms": int(delivery_timeout_s * 1000),
        "linger.ms": 0,
    }


def consumer_config(settings: KafkaSettings, *, group_id: str) -> dict[str, Any]:
    """Manual commits only, new groups from `earliest` (never `latest`: tansu replays it wrongly)."""
    if not group_id:
        raise FailClosed(BUS_CONFIG_INVALID, "a consumer needs a group id", {"role": settings.role})
    return base_config(settings, suffix="consumer") | {
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
        "session.timeout.ms": settings.session_timeout_ms,
    }
