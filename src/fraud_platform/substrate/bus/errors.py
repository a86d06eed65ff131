"""Translation of confluent-kafka errors into the platform's error tree, in one place.

    KafkaError (raised in a KafkaException, or handed to a delivery report / in a polled message)
      fatal (the client instance is unusable)          → FailClosed(default_code)
      authentication / authorization failures          → FailClosed(BUS_ACCESS_DENIED)
      unknown topic or partition                       → FailClosed(BUS_TOPIC_MISSING)
      transport, timeouts, leader/coordinator moves,
      or anything librdkafka marks retriable           → TransientError(BUS_UNAVAILABLE)
      invalid argument / invalid config                → FailClosed(BUS_CONFIG_INVALID)
      anything else                                    → FailClosed(default_code) (produce, consume,
                                                         commit or admin failure, by call site)

Every translation is raised `from` the original; details pass through redaction like every
platform error, and librdkafka error strings never contain the SASL password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from confluent_kafka import KafkaError, KafkaException

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.reasons import ReasonCode, lookup
from fraud_platform.substrate._reasons import (
    BUS_ACCESS_DENIED,
    BUS_ADMIN_FAILED,
    BUS_CONFIG_INVALID,
    BUS_TOPIC_MISSING,
    BUS_UNAVAILABLE,
)

__all__ = ["map_kafka_errors", "translate_kafka_error"]

_DENIED = frozenset(
    {
        KafkaError._AUTHENTICATION,
        KafkaError.SASL_AUTHENTICATION_FAILED,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.GROUP_AUTHORIZATION_FAILED,
        KafkaError.CLUSTER_AUTHORIZATION_FAILED,
        KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    }
)
_MISSING = frozenset(
    {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION}
)
_UNAVAILABLE = frozenset(
    {
        KafkaError._TRANSPORT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError._TIMED_OUT,
        KafkaError._MSG_TIMED_OUT,
        KafkaError._RESOLVE,
        KafkaError._WAIT_COORD,
        KafkaError._QUEUE_FULL,
        KafkaError.REQUEST_TIMED_OUT,
        KafkaError.NETWORK_EXCEPTION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.COORDINATOR_NOT_AVAILABLE,
        KafkaError.NOT_COORDINATOR,
        KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
        KafkaError.REBALANCE_IN_PROGRESS,
    }
)
_INVALID = frozenset({KafkaError._INVALID_ARG, KafkaError.INVALID_CONFIG})


def translate_kafka_error(error: KafkaError, where: str, default_code: ReasonCode) -> PlatformError:
    """The platform error for one KafkaError (not raised: the caller raises it `from` the original)."""
    code = error.code()
    refs = {"where": where, "kafka_error": error.name(), "kafka_code": code, "fatal": error.fatal()}
    detail = f"{where}: {error.name()}: {error.str()}"
    reason: ReasonCode
    if error.fatal():
        # A fatal error (e.g. the idempotent producer lost its sequence) poisons the client instance:
        # retrying on it cannot succeed, so it is terminal whatever the underlying code.
        reason = default_code
    elif code in _DENIED:
        reason = BUS_ACCESS_DENIED
    elif code in _MISSING:
        reason = BUS_TOPIC_MISSING
    elif code in _UNAVAILABLE or (error.retriable() and not error.fatal()):
        reason = BUS_UNAVAILABLE
    elif code in _INVALID:
        reason = BUS_CONFIG_INVALID
    else:
        reason = default_code
    if lookup(reason).transient:
        return TransientError(reason, detail, refs)
    return FailClosed(reason, detail, refs)


@contextmanager
def map_kafka_errors(where: str, default_code: ReasonCode = BUS_ADMIN_FAILED) -> Iterator[None]:
    """Translate every KafkaException raised inside the block; `where` names the call.

    `default_code` is what a non-retryable, non-auth, non-topic error means at this call site
    (BUS_PRODUCE_FAILED around a produce, BUS_COMMIT_FAILED around a commit, …).
    """
    try:
        yield
    except KafkaException as exception:
        error = exception.args[0] if exception.args else None
        if isinstance(error, KafkaError):
            raise translate_kafka_error(error, where, default_code) from exception
        raise FailClosed(default_code, f"{where}: {exception}", {"where": where}) from exception
