"""Every consumer group the code opens is one the rendered Confluent ACLs allow (issue 10, dev_min parity).

tansu has no ACLs, so a group named outside `fp.{role}.` passes every local test and is refused on
Confluent with GROUP_AUTHORIZATION_FAILED. These tests capture the group id each consumer really opens
(WSP's per-run group, the reconciliation reader of every role that uses it, verify's consume probe)
and check it against `render_kafka_acls` of the role whose key opens it, and that the operator's
bindings let teardown list and delete it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import pytest

from fraud_platform.bootstrap.kafka_acl import consumer_group_prefix, render_kafka_acls
from fraud_platform.bootstrap.kafka_probes import _consume
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.probes import TopicProbe
from fraud_platform.bootstrap.roles import OPERATOR, ROLES, TopicOperation, topic_grants_of
from fraud_platform.config.schema import Profile
from fraud_platform.config.settings import KafkaSettings
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.ig.runtime import IG_ROLE
from fraud_platform.operate.lane import shadow_read, witnesses
from fraud_platform.substrate._reasons import BUS_CONFIG_INVALID
from fraud_platform.substrate.bus import reader as reader_module
from fraud_platform.substrate.bus.group_names import consumer_group_id
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.substrate.bus.reader import KafkaPartitionReader
from fraud_platform.wsp import runtime as wsp_runtime
from fraud_platform.wsp.consume import WSP_ROLE, group_id_for
from fraud_platform.wsp.runtime import WspRuntime

_RUN = "platform_20261203T120000Z"
_PRINCIPAL = "User:sa-test"
_READER_ROLES = sorted({IG_ROLE, shadow_read._READ_ROLE, witnesses._READ_ROLE})
_CONSUMING_ROLES = [
    r for r in ROLES if any(g.operation is TopicOperation.CONSUME for g in topic_grants_of(r))
]
_CONTROL_READERS = [
    r
    for r in ROLES
    if any(g.topic == CONTROL_TOPIC and g.operation is TopicOperation.CONSUME for g in topic_grants_of(r))
]


def _allows(role: str, operation: str, group: str) -> bool:
    """Whether `role`'s rendered bindings grant `operation` on the consumer group `group`."""
    for binding in render_kafka_acls(_PRINCIPAL, role):
        if binding["resource_type"] != "GROUP" or binding["operation"] != operation:
            continue
        assert binding["permission"] == "ALLOW" and binding["principal"] == _PRINCIPAL
        name, pattern = binding["resource_name"], binding["pattern_type"]
        if (pattern == "PREFIXED" and group.startswith(name)) or (pattern == "LITERAL" and group == name):
            return True
    return False


def _assert_only_owner_reads(owner: str, group: str) -> None:
    """The owner's key may join the group, teardown may list and delete it, no other role may join it."""
    assert group.startswith(consumer_group_prefix(owner)), group
    assert _allows(owner, "READ", group), f"{owner} has no READ on {group}"
    assert [role for role in ROLES if role != owner and _allows(role, "READ", group)] == []
    assert _allows(OPERATOR, "DESCRIBE", group) and _allows(OPERATOR, "DELETE", group)


class _SentinelError(Exception):
    """Stops a consumer path right after it named its group."""


@pytest.mark.parametrize("role", _CONTROL_READERS)
def test_wsps_run_group_is_under_the_prefix_of_the_role_that_opens_it(
    role: str, local_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[KafkaSettings, str, list[str]]] = []

    def fake_open_consumer(settings: KafkaSettings, group_id: str, topics: list[str]) -> Any:
        opened.append((settings, group_id, list(topics)))
        raise _SentinelError

    monkeypatch.setattr(wsp_runtime, "open_consumer", fake_open_consumer)
    none = cast(Any, None)
    runtime = WspRuntime(local_profile, role, none, none, none, none, none, FixedClock(datetime.now(UTC)))
    with pytest.raises(_SentinelError):
        runtime.consume(_RUN, none, once=True)
    [(settings, group, topics)] = opened
    assert settings.role == role and topics == [CONTROL_TOPIC]
    assert group == group_id_for(_RUN, role) == f"fp.{role}.run.{_RUN}"
    _assert_only_owner_reads(role, group)


def test_wsps_own_role_streams_in_fp_wsp_run_groups() -> None:
    assert WSP_ROLE in _CONTROL_READERS
    assert group_id_for(_RUN) == f"fp.wsp.run.{_RUN}"


class _RecordingConsumer:
    """Stands in for confluent_kafka.Consumer: records its config, reads nothing, advances the clock."""

    configs: ClassVar[list[dict[str, Any]]] = []
    clock: ClassVar[FixedClock]

    def __init__(self, config: dict[str, Any]) -> None:
        self.configs.append(config)

    def assign(self, partitions: list[Any]) -> None:
        return None

    def poll(self, timeout: float) -> None:
        self.clock.advance(timeout)

    def close(self) -> None:
        return None


@pytest.mark.parametrize("role", _READER_ROLES)
def test_the_readers_group_is_under_the_prefix_of_the_role_whose_key_it_holds(
    role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(datetime.now(UTC))
    monkeypatch.setattr(_RecordingConsumer, "configs", [])
    monkeypatch.setattr(_RecordingConsumer, "clock", clock, raising=False)
    monkeypatch.setattr(reader_module, "Consumer", _RecordingConsumer)
    reader = KafkaPartitionReader(KafkaSettings(bootstrap="127.0.0.1:9", role=role), clock=clock)

    def never(message: BusMessage) -> bool:
        return False

    assert reader.find("fp.bus.traffic.fraud.v1", 0, 0, never, idle_s=1.0) is None
    assert reader.find("fp.bus.traffic.fraud.v1", 0, 0, never, idle_s=1.0) is None
    first, second = (config["group.id"] for config in _RecordingConsumer.configs)
    assert first != second and first.startswith(f"fp.{role}.reader.")
    for group in (first, second):
        _assert_only_owner_reads(role, group)


def test_every_role_that_reads_back_with_the_reader_may_consume_topics() -> None:
    assert set(_READER_ROLES) <= set(_CONSUMING_ROLES)


class _Ports:
    """The one BootstrapPorts call a consume probe makes: records the group, hands back one record."""

    def __init__(self) -> None:
        self.groups: list[tuple[str, str]] = []

    def consumer(self, role: str, group_id: str, topics: list[str]) -> Any:
        self.groups.append((role, group_id))
        return self

    def poll(self, timeout: float) -> object:
        return object()

    def close(self) -> None:
        return None


@pytest.mark.parametrize("role", _CONSUMING_ROLES)
def test_verifys_consume_probe_group_is_under_the_probed_roles_prefix(role: str) -> None:
    ports = _Ports()
    topic = next(g.topic for g in topic_grants_of(role) if g.operation is TopicOperation.CONSUME)
    probe = TopicProbe(role, topic, True, TopicOperation.CONSUME)
    _consume(cast(BootstrapPorts, ports), probe, "n0nce", FixedClock(datetime.now(UTC)))
    [(opened_role, group)] = ports.groups
    assert opened_role == role
    _assert_only_owner_reads(role, group)


def test_the_operator_may_list_and_delete_every_platform_group_and_nothing_else() -> None:
    groups = [
        *(group_id_for(_RUN, role) for role in _CONTROL_READERS),
        *(consumer_group_id(role, "reader", "0" * 32) for role in _READER_ROLES),
    ]
    for group in groups:
        assert _allows(OPERATOR, "DESCRIBE", group) and _allows(OPERATOR, "DELETE", group)
    assert not _allows(OPERATOR, "DELETE", "connect-cluster-offsets")
    for role in ROLES:
        if role != OPERATOR:
            assert not any(_allows(role, op, g) for op in ("DELETE", "DESCRIBE") for g in groups)


def test_the_rendered_bindings_are_deterministic_and_sorted() -> None:
    for role in ROLES:
        first = render_kafka_acls(_PRINCIPAL, role)
        assert first == render_kafka_acls(_PRINCIPAL, role)
        keys = [(b["operation"], b["resource_type"], b["resource_name"], b["pattern_type"]) for b in first]
        assert keys == sorted(set(keys))


@pytest.mark.parametrize(
    ("role", "segments"), [("", ("x",)), ("a.b", ("x",)), ("wsp", ()), ("wsp", ("run", ""))]
)
def test_a_group_name_that_would_blur_a_grant_is_refused(role: str, segments: tuple[str, ...]) -> None:
    with pytest.raises(FailClosed) as caught:
        consumer_group_id(role, *segments)
    assert caught.value.code == BUS_CONFIG_INVALID
