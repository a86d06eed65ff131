"""The governance-fact emitter: one immutable object in the evidence bucket plus one audit-bus record.

Protocol of :meth:`FactEmitter.emit_fact`:
1. build and identify the fact (`event_id` = digest of family, pins and details);
2. write it once to `evidence/runs/{platform_run_id}/governance/{family}/{event_id}.json`: identical
   bytes already there is success (a re-emit), different bytes is `FACT_CONFLICT`, nothing overwritten;
3. publish the same fact to `fp.bus.audit.v1` (key `platform_run_id`, header `event_id`), *also* on a
   re-emit: a crash between steps 2 and 3 must not lose the bus record, and readers dedupe on
   `event_id`, so the bus is at-least-once and the object store is exactly-once;
4. log `fact_emitted` with the emission time, which is deliberately not part of the stored bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.core.time import Clock, SystemClock, format_utc
from fraud_platform.eb.topics import AUDIT_TOPIC
from fraud_platform.obs._reasons import FACT_CONFLICT
from fraud_platform.obs.evidence import OBJECT_CONFLICT_CODE, RunEvidence
from fraud_platform.obs.facts import Fact, build_fact, fact_document, fact_file_bytes
from fraud_platform.obs.logging import log_event
from fraud_platform.substrate.bus.port import BusProducer, Delivery
from fraud_platform.substrate.objectstore.port import ObjectStore, PutOutcome, S3Location

__all__ = ["EmittedFact", "FactEmitter"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmittedFact:
    """What one emission did: the fact, where it is stored, whether this call created it, the bus record.

    `delivery` is None only when the caller asked not to publish (`publish=False`).
    """

    fact: Fact
    location: S3Location
    created: bool
    delivery: Delivery | None

    @property
    def event_id(self) -> str:
        return self.fact.event_id


class FactEmitter:
    """Emits governance facts; built once per component, bound to its store, producer and bucket.

    Blocking: each call returns after the object is durable and the broker acknowledged the record.
    Idempotent: emitting the same (family, pins, details, actor) again creates nothing new.
    """

    def __init__(
        self,
        store: ObjectStore,
        producer: BusProducer,
        evidence_bucket: str,
        *,
        clock: Clock | None = None,
        topic: str = AUDIT_TOPIC,
    ) -> None:
        self._store = store
        self._producer = producer
        self._bucket = evidence_bucket
        self._clock: Clock = clock or SystemClock()
        self._topic = topic

    def emit_fact(
        self,
        family: str,
        pins: Mapping[str, Any],
        details: Mapping[str, Any],
        actor: str,
        *,
        publish: bool = True,
    ) -> EmittedFact:
        """Store and publish one fact.

        `publish=False` stores the fact without the bus record: for a caller that has just proven the
        bus unreachable (a failed preflight) and must not wait out a delivery timeout to say so. The
        object is the truth; the bus record is the notification.

        Raises:
            FailClosed(FACT_FAMILY_UNKNOWN | FACT_INVALID | RUN_ID_INVALID): the fact is refused.
            FailClosed(FACT_CONFLICT): its event_id already holds different bytes (another actor).
            TransientError: the object store or the bus is unavailable (retrying converges).
        """
        fact = build_fact(family, pins, details, actor)
        run = RunEvidence(self._bucket, fact.pins.platform_run_id)
        location = run.fact(fact.family, fact.event_id)
        try:
            outcome = self._store.put_if_absent(
                location, fact_file_bytes(fact), content_type="application/json"
            )
        except PlatformError as error:
            if error.code != OBJECT_CONFLICT_CODE:
                raise
            raise FailClosed(
                FACT_CONFLICT,
                f"{fact.family} fact {fact.event_id} already exists with different bytes",
                {"event_id": fact.event_id, "family": fact.family, "location": location.uri},
            ) from error
        delivery: Delivery | None = None
        if publish:
            delivery = self._producer.produce_sync(
                self._topic,
                canonical_bytes(fact_document(fact)),
                key=fact.pins.platform_run_id.encode("ascii"),
                headers={"event_id": fact.event_id.encode("ascii"), "family": fact.family.encode("ascii")},
            )
        created = outcome is PutOutcome.CREATED
        log_event(
            _log,
            "fact_emitted",
            platform_run_id=fact.pins.platform_run_id,
            family=fact.family,
            event_id=fact.event_id,
            actor=actor,
            location=location.uri,
            created=created,
            emitted_at_utc=format_utc(self._clock.now()),
            published=delivery is not None,
            topic=self._topic,
            partition=delivery.partition if delivery else None,
            offset=delivery.offset if delivery else None,
        )
        return EmittedFact(fact, location, created, delivery)
