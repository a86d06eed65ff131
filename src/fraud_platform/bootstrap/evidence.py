"""Bootstrap reports as governance facts of a run (`BOOTSTRAP_APPLIED`, `BOOTSTRAP_VERIFIED`).

Emitted as the operator through the obs emitter, so the fact lands write-once under
`evidence/runs/{platform_run_id}/governance/{family}/{event_id}.json` and on the audit topic, like
every other fact. Details carry no wall-clock time (the event id is content), and no secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import OPERATOR
from fraud_platform.config.schema import Profile
from fraud_platform.core.redact import redact_value
from fraud_platform.core.time import Clock
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.evidence import validate_platform_run_id
from fraud_platform.obs.facts import run_pins

__all__ = ["emit_bootstrap_fact"]


def emit_bootstrap_fact(
    ports: BootstrapPorts,
    profile: Profile,
    run_id: str,
    family: str,
    details: Mapping[str, Any],
    clock: Clock,
) -> dict[str, str]:
    """Store and publish one bootstrap fact for `run_id`; returns `{"event_id", "location"}`."""
    validate_platform_run_id(run_id)
    producer = ports.producer(OPERATOR)
    try:
        emitter = FactEmitter(
            ports.store(OPERATOR), producer, profile.object_store.evidence_bucket, clock=clock
        )
        emitted = emitter.emit_fact(
            family,
            run_pins(run_id, profile.profile, profile.rehearsal),
            redact_value(dict(details)),
            actor="bootstrap",
        )
    finally:
        producer.close()
    return {"event_id": emitted.event_id, "location": emitted.location.uri}
