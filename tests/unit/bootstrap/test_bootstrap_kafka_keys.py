"""Per-role Kafka keys in dev_min: ACLs bind each role's service account, verify probes each role's key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fraud_platform.bootstrap.kafka_probes import run_topic_probe
from fraud_platform.bootstrap.outcomes import Observed, Verdict
from fraud_platform.bootstrap.plan import build_plan
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.probes import TopicProbe, topic_probes
from fraud_platform.bootstrap.roles import OPERATOR, ROLES, TopicOperation
from fraud_platform.config import load_profile
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock

CLOCK = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
PRODUCE, CONSUME = TopicOperation.PRODUCE, TopicOperation.CONSUME


def test_every_role_but_the_all_topic_ones_has_a_denied_consume_probe() -> None:
    probes = topic_probes()
    denied_consume = {p.role for p in probes if p.operation is CONSUME and not p.expect_allow}
    assert denied_consume == set(ROLES) - {OPERATOR, "reporter"}
    by_role = {p.role: p.topic for p in probes if p.operation is CONSUME and not p.expect_allow}
    assert by_role["wsp"] != "fp.bus.control.v1"  # a topic WSP really may not read
    assert not any(p.operation is CONSUME and p.expect_allow for p in probes)
    allowed = {
        p.role for p in topic_probes(allowed_consumes=True) if p.operation is CONSUME and p.expect_allow
    }
    assert allowed == {OPERATOR, "wsp", "ig", "reporter"}


def test_the_plan_refuses_dev_min_without_a_service_account_per_role(bs_dev_min_env: dict[str, str]) -> None:
    env = {k: v for k, v in bs_dev_min_env.items() if k != "DEV_MIN_KAFKA_SERVICE_ACCOUNT_WSP"}
    with pytest.raises(FailClosed) as caught:
        build_plan(load_profile("dev_min", env=env))
    assert caught.value.code == "PIN_MISSING"
    assert caught.value.refs["missing"] == ["DEV_MIN_KAFKA_SERVICE_ACCOUNT_WSP"]


def test_local_plan_principals_are_descriptive_and_need_no_pins(local_profile: Profile) -> None:
    plan = build_plan(local_profile)
    sr = next(role for role in plan["roles"] if role["role"] == "sr")
    assert sr["kafka_principal"] == "User:fp-local_parity-sr"
    assert plan["kafka_principals_from"] == "local names (unenforced)"


def test_a_role_without_its_key_fails_verify_alone(bs_dev_min_env: dict[str, str]) -> None:
    env = {k: v for k, v in bs_dev_min_env.items() if not k.endswith("_IG")}
    ports = BootstrapPorts(load_profile("dev_min", env=env))
    result = run_topic_probe(
        ports, TopicProbe("ig", "fp.bus.control.v1", False, PRODUCE), "n", local=False, clock=CLOCK
    )
    assert (result.observed, result.verdict) == (Observed.ERROR, Verdict.FAIL)
    assert result.detail.startswith("PIN_MISSING") and "DEV_MIN_KAFKA_API_KEY_IG" in result.detail
    # The other roles' keys still load: their probes are not refused by config.
    assert ports.shares_operator_kafka_identity("sr") is False


def test_a_role_on_the_operator_key_is_not_attempted_and_fails(bs_dev_min_env: dict[str, str]) -> None:
    env = dict(bs_dev_min_env, DEV_MIN_KAFKA_API_KEY_WSP=bs_dev_min_env["DEV_MIN_KAFKA_API_KEY"])
    ports = BootstrapPorts(load_profile("dev_min", env=env))
    for operation in (PRODUCE, CONSUME):
        probe = TopicProbe("wsp", "fp.bus.traffic.fraud.v1", False, operation)
        result = run_topic_probe(ports, probe, "n", local=False, clock=CLOCK)
        assert (result.observed, result.verdict) == (Observed.ERROR, Verdict.FAIL)
        assert "operator's Kafka API key" in result.detail
        assert result.action == ("kafka:Produce" if operation is PRODUCE else "kafka:Consume")


def test_forbidden_calls_are_unsupported_locally_never_a_pass(local_profile: Profile) -> None:
    ports = BootstrapPorts(local_profile)
    for operation in (PRODUCE, CONSUME):
        probe = TopicProbe("sr", "fp.bus.traffic.fraud.v1", False, operation)
        result = run_topic_probe(ports, probe, "n", local=True, clock=CLOCK)
        assert result.verdict is Verdict.UNSUPPORTED_LOCALLY
        assert "tansu has no ACLs" in result.detail
