"""Unit tests of the Kafka error mapping and of the librdkafka configuration and logging."""

from __future__ import annotations

import logging

import pytest
from confluent_kafka import KafkaError, KafkaException

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.redact import REDACTED
from fraud_platform.substrate._reasons import BUS_COMMIT_FAILED, BUS_PRODUCE_FAILED
from fraud_platform.substrate.bus._config import (
    LIBRDKAFKA_LOGGER_NAME,
    base_config,
    consumer_config,
    librdkafka_logger,
    producer_config,
)
from fraud_platform.substrate.bus.errors import map_kafka_errors, translate_kafka_error
from fraud_platform.substrate.bus.kafka import KafkaBusConsumer
from fraud_platform.substrate.bus.port import KafkaSettings


@pytest.mark.parametrize(
    ("code", "expected", "transient"),
    [
        (KafkaError._TRANSPORT, "BUS_UNAVAILABLE", True),
        (KafkaError._ALL_BROKERS_DOWN, "BUS_UNAVAILABLE", True),
        (KafkaError._MSG_TIMED_OUT, "BUS_UNAVAILABLE", True),
        (KafkaError.NOT_LEADER_FOR_PARTITION, "BUS_UNAVAILABLE", True),
        (KafkaError.COORDINATOR_NOT_AVAILABLE, "BUS_UNAVAILABLE", True),
        (KafkaError.SASL_AUTHENTICATION_FAILED, "BUS_ACCESS_DENIED", False),
        (KafkaError.TOPIC_AUTHORIZATION_FAILED, "BUS_ACCESS_DENIED", False),
        (KafkaError.GROUP_AUTHORIZATION_FAILED, "BUS_ACCESS_DENIED", False),
        (KafkaError.UNKNOWN_TOPIC_OR_PART, "BUS_TOPIC_MISSING", False),
        (KafkaError._INVALID_ARG, "BUS_CONFIG_INVALID", False),
        (KafkaError.MSG_SIZE_TOO_LARGE, "BUS_PRODUCE_FAILED", False),
        (KafkaError.INVALID_RECORD, "BUS_PRODUCE_FAILED", False),
    ],
)
def test_kafka_errors_map_to_codes(code: int, expected: str, transient: bool) -> None:
    error = translate_kafka_error(KafkaError(code, "reason"), "produce to t", BUS_PRODUCE_FAILED)
    assert error.code == expected
    assert isinstance(error, TransientError) is transient
    assert error.refs["kafka_code"] == code


def test_the_default_code_depends_on_the_call_site() -> None:
    error = translate_kafka_error(
        KafkaError(KafkaError.OFFSET_METADATA_TOO_LARGE), "commit", BUS_COMMIT_FAILED
    )
    assert error.code == "BUS_COMMIT_FAILED"


def test_map_kafka_errors_raises_from_the_exception() -> None:
    original = KafkaException(KafkaError(KafkaError._TRANSPORT, "down"))
    with pytest.raises(PlatformError) as caught, map_kafka_errors("list topics"):
        raise original
    assert caught.value.__cause__ is original
    assert caught.value.code == "BUS_UNAVAILABLE"


def test_sasl_ssl_needs_key_and_secret_and_registers_the_secret() -> None:
    settings = KafkaSettings(bootstrap="broker:9092", security_protocol="SASL_SSL", sasl_mechanism="PLAIN")
    with pytest.raises(FailClosed) as caught:
        base_config(settings, suffix="producer")
    assert caught.value.code == "BUS_CONFIG_INVALID"
    complete = KafkaSettings(
        bootstrap="broker:9092",
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username="API-KEY",
        sasl_password="kafka-api-secret-value",
        role="ig",
    )
    config = base_config(complete, suffix="producer")
    assert config["sasl.username"] == "API-KEY"
    assert config["security.protocol"] == "SASL_SSL"
    assert config["client.id"] == "fraud-platform-ig-producer"
    assert "kafka-api-secret-value" not in repr(complete)
    with pytest.raises(FailClosed) as leaked:
        raise FailClosed("BUS_ACCESS_DENIED", "auth failed with kafka-api-secret-value")
    assert "kafka-api-secret-value" not in str(leaked.value)


def test_sasl_fields_on_plaintext_are_inconsistent() -> None:
    settings = KafkaSettings(bootstrap="b:1", sasl_username="key", sasl_password="secret-value-1")
    with pytest.raises(FailClosed) as caught:
        base_config(settings, suffix="admin")
    assert caught.value.code == "BUS_CONFIG_INVALID"


def test_unknown_protocol_is_refused() -> None:
    with pytest.raises(FailClosed):
        base_config(KafkaSettings(bootstrap="b:1", security_protocol="CARRIER_PIGEON"), suffix="x")


def test_librdkafka_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    settings = KafkaSettings(
        bootstrap="b:1",
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username="key",
        sasl_password="librdkafka-leak-secret",
    )
    base_config(settings, suffix="producer")
    with caplog.at_level(logging.WARNING, logger=LIBRDKAFKA_LOGGER_NAME):
        librdkafka_logger().warning("SASL: %s", "password=librdkafka-leak-secret")
    assert caplog.messages == [f"SASL: password={REDACTED}"]


def test_producer_and_consumer_are_configured_for_the_port_guarantees() -> None:
    settings = KafkaSettings(bootstrap="127.0.0.1:9", session_timeout_ms=6000, role="wsp")
    producer = producer_config(settings, delivery_timeout_s=2.5)
    assert producer["enable.idempotence"] is True
    assert producer["acks"] == "all"
    assert producer["message.timeout.ms"] == 2500
    consumer = consumer_config(settings, group_id="g")
    assert consumer["enable.auto.commit"] is False
    assert consumer["auto.offset.reset"] == "earliest"
    assert consumer["session.timeout.ms"] == 6000
    assert consumer["log_level"] <= 4
    with pytest.raises(FailClosed) as no_topics:
        KafkaBusConsumer(settings, "group", [])
    assert no_topics.value.code == "BUS_CONFIG_INVALID"
    with pytest.raises(FailClosed) as no_group:
        consumer_config(settings, group_id="")
    assert no_group.value.code == "BUS_CONFIG_INVALID"


def test_a_fatal_error_is_terminal_even_with_a_transient_code() -> None:
    fatal = KafkaError(KafkaError._TRANSPORT, "idempotence lost", fatal=True)
    error = translate_kafka_error(fatal, "produce to t", BUS_PRODUCE_FAILED)
    assert error.code == "BUS_PRODUCE_FAILED"
    assert error.refs["fatal"] is True
    assert not isinstance(error, TransientError)
