"""Which checks a preflight plans, derived from the bootstrap role model; no substrate needed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fraud_platform.bootstrap.roles import ROLES
from fraud_platform.config import config_digest, load_profile, redacted_view
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import FixedClock
from fraud_platform.eb.topics import TOPICS
from fraud_platform.operate.manifest import RunManifest
from fraud_platform.operate.preflight_checks import CheckResult, PlannedCheck, plan_checks

RUN = "platform_20250102T030405Z"
_T0 = datetime(2025, 1, 2, tzinfo=UTC)


@pytest.fixture
def planned(tmp_path: Path) -> list[PlannedCheck]:
    env = {
        "FP_HOME": str(tmp_path),
        "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:1",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:2",
        "FP_LOCAL_STATE_DSN": f"sqlite:///{tmp_path}/state.sqlite",
        "FP_LOCAL_IG_PORT": "3",
    }
    profile = load_profile("local_parity", env=env)
    manifest = RunManifest(
        schema_version="fp.operate.run_manifest.v1",
        platform_run_id=RUN,
        profile="local_parity",
        rehearsal=False,
        minted_at_utc="2025-01-02T03:04:05.000000Z",
        config_digest=config_digest(profile),
        handles=redacted_view(profile),
        package_version="0",
        git_revision=None,
        claim_token="0" * 32,
    )
    return plan_checks(profile, manifest)


def test_every_role_lists_and_wildcards_become_this_run(planned: list[PlannedCheck]) -> None:
    s3 = [check for check in planned if check.name == "s3_list"]
    assert {check.role for check in s3} == set(ROLES)
    assert all("*" not in check.target for check in s3)
    assert "s3://fp-object-store/fraud-platform/" + RUN + "/sr/" in {c.target for c in s3 if c.role == "sr"}
    assert "s3://fp-evidence/evidence/" in {c.target for c in s3 if c.role == "auditor"}


def test_kafka_is_checked_for_every_role_with_topic_grants(planned: list[PlannedCheck]) -> None:
    kafka = {check.role for check in planned if check.name == "kafka_topics"}
    assert "operator" in kafka and "auditor" not in kafka
    assert {"sr", "wsp", "ig", "reporter"} <= kafka
    assert all(check.target == "kafka://127.0.0.1:2" for check in planned if check.name == "kafka_topics")
    assert len(TOPICS) == 8


def test_fixed_checks_come_first_and_pass_without_a_substrate(planned: list[PlannedCheck]) -> None:
    assert [check.name for check in planned[:3]] == ["pins_resolved", "config_matches_run", "state_store"]
    pins, drift = planned[0].run(), planned[1].run()
    assert pins.ok and "FP_LOCAL_KAFKA_BOOTSTRAP" in pins.detail and "127.0.0.1" not in pins.detail
    assert drift.ok and drift.code == "OK"


def test_a_platform_error_is_a_failed_check_with_its_code_and_a_bug_is_not_swallowed() -> None:
    def down() -> tuple[str, str]:
        raise TransientError("BUS_UNAVAILABLE", "broker unreachable")

    def refused() -> tuple[str, str]:
        raise FailClosed("CREDENTIALS_MISSING", "no keys")

    def bug() -> tuple[str, str]:
        raise ZeroDivisionError

    assert PlannedCheck("kafka_topics", "operator", "kafka://x", down).run(FixedClock(_T0)) == CheckResult(
        "kafka_topics", "operator", "kafka://x", False, "BUS_UNAVAILABLE", "broker unreachable", 0.0
    )
    assert PlannedCheck("s3_list", "sr", "s3://b/", refused).run().code == "CREDENTIALS_MISSING"
    with pytest.raises(ZeroDivisionError):
        PlannedCheck("s3_list", "sr", "s3://b/", bug).run()
