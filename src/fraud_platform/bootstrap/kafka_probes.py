"""Running verify's Kafka probes: real produce and consume calls under each role's own API key.

Where ACLs exist (dev_min, Confluent) a forbidden produce or consume must come back denied
(`BUS_ACCESS_DENIED`), under the role's own key. tansu (local_parity, a rehearsal) has no ACLs and
no SASL, so a forbidden call would be accepted: it is not attempted (a produce would pollute the
topic) and is reported UNSUPPORTED_LOCALLY, never a pass. A role whose key cannot be loaded (its pin
is missing) or that authenticates with the operator's key gets an ERROR probe, so that role fails
verify while every other role is still proven.
"""

from __future__ import annotations

from fraud_platform.bootstrap.outcomes import Observed, ProbeResult
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.probes import TopicProbe
from fraud_platform.bootstrap.roles import TopicOperation
from fraud_platform.bootstrap.sites import PROBE_SEGMENT
from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.time import Clock
from fraud_platform.substrate._reasons import BUS_ACCESS_DENIED
from fraud_platform.substrate.bus.group_names import consumer_group_id

__all__ = ["CONSUME_PROBE_S", "run_topic_probe"]

CONSUME_PROBE_S = 10.0
"""How long a consume probe polls: a refused subscription surfaces as an error within seconds."""

_PROBE_KEY = PROBE_SEGMENT.encode()
_ACTIONS = {TopicOperation.PRODUCE: "kafka:Produce", TopicOperation.CONSUME: "kafka:Consume"}
_POLL_SLICE_S = 1.0


def _result(probe: TopicProbe, observed: Observed, detail: str = "") -> ProbeResult:
    return ProbeResult(
        probe.role, _ACTIONS[probe.operation], f"kafka://{probe.topic}", probe.expect_allow, observed, detail
    )


def _produce(ports: BootstrapPorts, probe: TopicProbe, nonce: str) -> None:
    value = canonical_bytes({"kind": "BOOTSTRAP_PROBE", "role": probe.role, "nonce": nonce})
    producer = ports.producer(probe.role)
    try:
        producer.produce_sync(probe.topic, value, key=_PROBE_KEY, headers={"fp-probe": nonce.encode()})
    finally:
        producer.close()


def _consume(ports: BootstrapPorts, probe: TopicProbe, nonce: str, clock: Clock) -> None:
    group = consumer_group_id(probe.role, PROBE_SEGMENT, nonce)
    consumer = ports.consumer(probe.role, group, [probe.topic])
    try:
        deadline = clock.monotonic() + CONSUME_PROBE_S
        while clock.monotonic() < deadline:
            if consumer.poll(_POLL_SLICE_S) is not None:
                return
    finally:
        consumer.close()


def run_topic_probe(
    ports: BootstrapPorts, probe: TopicProbe, nonce: str, *, local: bool, clock: Clock
) -> ProbeResult:
    """Run one Kafka probe and judge nothing: the ProbeResult carries expected and observed."""
    if local and not probe.expect_allow:
        return _result(
            probe,
            Observed.UNSUPPORTED,
            "not attempted: tansu has no ACLs or SASL, so it would be accepted",
        )
    try:
        if not probe.expect_allow and ports.shares_operator_kafka_identity(probe.role):
            return _result(
                probe,
                Observed.ERROR,
                "not attempted: the role uses the operator's Kafka API key, so no ACL can deny it",
            )
        if probe.operation is TopicOperation.PRODUCE:
            _produce(ports, probe, nonce)
        else:
            _consume(ports, probe, nonce, clock)
    except PlatformError as error:
        if error.code == BUS_ACCESS_DENIED:
            return _result(probe, Observed.DENIED)
        return _result(probe, Observed.ERROR, f"{error.code}: {error.detail}")
    return _result(probe, Observed.ALLOWED, "connectivity proven" if probe.expect_allow else "")
