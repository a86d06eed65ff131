"""IG's producer: replaced by a fresh one when the broker poisons it, so a broker restart is a blip.

Why: librdkafka marks some errors *fatal* for a producer instance (the idempotent producer's
sequence or epoch lost, e.g. PRODUCER_FENCED); every later produce on that instance fails. IG is a
long-lived gate serving every run, so a poisoned producer would turn one broker restart into a
gate that answers 503 until someone restarts it. Measured here: tansu, restarted on the same port
with its log on SeaweedFS, answers every later produce of IG's old producer with PRODUCER_FENCED
(which librdkafka does not even flag fatal, so that code is treated as poisoning too).

On a fatal error this wrapper builds a new producer (new producer id), closes the poisoned one and
raises TransientError (HTTP 503 with Retry-After): the client retries, and the events of the failed
batch, left IN_FLIGHT under this process's holder, are reconciled against the topic by the
publisher (found: ADMITTED at their offset; not found: produced by the new producer), so still one
record per event. A fatal error is recognised by the `fatal` and `kafka_error` refs that
`substrate.bus.errors` sets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence

from fraud_platform.core.errors import PlatformError, TransientError
from fraud_platform.ig._reasons import IG_DEPENDENCY_UNAVAILABLE
from fraud_platform.obs.logging import log_event
from fraud_platform.substrate.bus.port import BusProducer, Delivery, OutboundRecord

__all__ = ["RenewingProducer"]

_LOG = logging.getLogger("fraud_platform.ig")


# Errors that condemn the producer id rather than one record: librdkafka reports PRODUCER_FENCED
# from tansu as a plain (non-fatal) produce error, yet every later produce on that client gets it.
_POISONED = frozenset({"PRODUCER_FENCED", "_FENCED", "INVALID_PRODUCER_EPOCH"})


def _is_fatal(error: PlatformError) -> bool:
    return error.refs.get("fatal") is True or error.refs.get("kafka_error") in _POISONED


class RenewingProducer:
    """A `BusProducer` that swaps its client for a new one after a fatal error; thread-safe."""

    def __init__(self, factory: Callable[[], BusProducer]) -> None:
        self._factory = factory
        self._current = factory()
        self._lock = threading.Lock()
        self.renewals = 0

    def _client(self) -> BusProducer:
        with self._lock:
            return self._current

    def _renew(self, failed: BusProducer, error: PlatformError) -> TransientError:
        """Replace `failed` if it is still the current client (once per poisoned client)."""
        with self._lock:
            replaced = self._current is failed
            if replaced:
                self._current = self._factory()
                self.renewals += 1
        if replaced:
            log_event(
                _LOG, "ig_producer_renewed", level=logging.WARNING, code=error.code, detail=error.detail
            )
            try:
                failed.close()
            except PlatformError as closing:
                log_event(_LOG, "ig_producer_close_failed", level=logging.WARNING, code=closing.code)
        return TransientError(
            IG_DEPENDENCY_UNAVAILABLE,
            f"the broker poisoned IG's producer ({error.code}); a new producer takes the retry",
            {"cause": error.code},
        )

    def produce_sync(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: Mapping[str, bytes] | None = None,
    ) -> Delivery:
        """As `BusProducer.produce_sync`; TransientError after a fatal error (the client was renewed)."""
        client = self._client()
        try:
            return client.produce_sync(topic, value, key=key, headers=headers)
        except PlatformError as error:
            if _is_fatal(error):
                raise self._renew(client, error) from error
            raise

    def produce_batch(self, records: Sequence[OutboundRecord]) -> list[Delivery]:
        """As `BusProducer.produce_batch`; TransientError after a fatal error (the client was renewed)."""
        client = self._client()
        try:
            return client.produce_batch(records)
        except PlatformError as error:
            if _is_fatal(error):
                raise self._renew(client, error) from error
            raise

    def close(self) -> None:
        """Flush and release the current client."""
        self._client().close()
