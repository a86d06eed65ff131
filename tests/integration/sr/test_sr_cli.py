"""`fp sr …` end to end, on a dev_min rehearsal (every pin from the environment, local substrates).

A rehearsal walks exactly the dev_min code path (explicit Oracle pins, role credentials from the
environment, never a local file), so these tests also show SR behaving the same on dev_min wiring.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from fraud_platform.cli.app import app
from fraud_platform.config import Profile, load_profile
from fraud_platform.obs.logging import reset_logging
from fraud_platform.sr.identity import scenario_run_id
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"


@pytest.fixture
def rehearsal_env(sr_site: Any, sealed_pack: str) -> Iterator[dict[str, str]]:
    substrates = sr_site.substrates
    operator = substrates.operator
    env = {
        "FP_DEV_MIN_REHEARSAL": "1",
        "DEV_MIN_S3_ENDPOINT_URL": substrates.s3_endpoint,
        "DEV_MIN_AWS_REGION": "us-east-1",
        "DEV_MIN_OBJECT_STORE_BUCKET": sr_site.object_store_bucket,
        "DEV_MIN_EVIDENCE_BUCKET": sr_site.evidence_bucket,
        "DEV_MIN_KAFKA_BOOTSTRAP": substrates.kafka_bootstrap,
        "DEV_MIN_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
        "DEV_MIN_KAFKA_API_KEY": "rehearsal-key",
        "DEV_MIN_KAFKA_API_SECRET": "rehearsal-secret",
        "DEV_MIN_STATE_DSN": sr_site.sqlite_dsn,
        "DEV_MIN_IG_URL": "http://127.0.0.1:9",
        "DEV_MIN_ROLE_OPERATOR_AWS_ACCESS_KEY_ID": operator.access_key_id,
        "DEV_MIN_ROLE_OPERATOR_AWS_SECRET_ACCESS_KEY": operator.secret_access_key,
        "DEV_MIN_ORACLE_ENGINE_RUN_ROOT": sealed_pack,
        "DEV_MIN_ORACLE_SCENARIO_ID": SCENARIO,
        "FP_HOME": str(substrates.fp_home),
    }
    yield env
    reset_logging()


def _fp(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["sr", *args, "--json"], env=env, catch_exceptions=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON line: {result.stdout!r} {result.stderr!r}"
    return result.exit_code, json.loads(lines[-1])


_COMMON = ("--profile", "dev_min", "--rehearsal", "--role", "operator")


def test_submit_status_evaluate_reemit_on_a_dev_min_rehearsal(
    rehearsal_env: dict[str, str], new_run: Callable[[Profile], str], control_reader: Any
) -> None:
    profile = load_profile("dev_min", env=rehearsal_env)
    assert profile.rehearsal
    platform_run_id = new_run(profile)
    key = f"cli-{uuid.uuid4().hex}"
    code, submitted = _fp(
        rehearsal_env,
        "submit",
        "--platform-run-id",
        platform_run_id,
        "--run-equivalence-key",
        key,
        "--scenario-id",
        SCENARIO,
        *_COMMON,
    )
    assert code == 0, submitted
    assert submitted["ok"] is True and submitted["code"] == "OK" and submitted["state"] == "READY"
    assert submitted["platform_run_id"] == platform_run_id
    assert submitted["scenario_run_id"] == scenario_run_id(key)
    message_id = submitted["message_id"]
    assert message_id and submitted["telemetry"].startswith("s3://")

    code, status = _fp(rehearsal_env, "status", scenario_run_id(key), *_COMMON)
    assert code == 0 and status["state"] == "READY" and status["message_id"] == message_id
    assert [r["event"] for r in status["records"]][-1] == "READY_PUBLISHED"
    assert status["status"]["flags"] == {"profile": "dev_min", "rehearsal": True}

    code, evaluated = _fp(rehearsal_env, "evaluate", scenario_run_id(key), *_COMMON)
    assert code == 0 and evaluated["message_id"] == message_id and evaluated["leader"] is False

    code, reemitted = _fp(
        rehearsal_env,
        "reemit",
        scenario_run_id(key),
        "--kind",
        "READY",
        "--platform-run-id",
        platform_run_id,
        *_COMMON,
    )
    assert code == 0 and reemitted["message_id"] == message_id
    messages = control_reader.messages_for(platform_run_id, 2)
    assert len(messages) == 2 and messages[0].value == messages[1].value


def test_cli_refusals_exit_2_with_their_code_and_write_nothing(
    rehearsal_env: dict[str, str], new_run: Callable[[Profile], str], sr_site: Any
) -> None:
    platform_run_id = new_run(load_profile("dev_min", env=rehearsal_env))
    base = ("submit", "--platform-run-id", platform_run_id, "--run-equivalence-key", f"no-{uuid.uuid4().hex}")
    code, body = _fp(rehearsal_env, *base, "--scenario-id", "another_scenario", *_COMMON)
    assert (code, body["ok"], body["code"]) == (2, False, "ORACLE_SCENARIO_MISMATCH")

    missing = {k: v for k, v in rehearsal_env.items() if k != "DEV_MIN_ORACLE_ENGINE_RUN_ROOT"}
    code, body = _fp(missing, *base, *_COMMON)
    assert (code, body["code"]) == (2, "ORACLE_PIN_MISSING")

    local_pin = {**rehearsal_env, "DEV_MIN_ORACLE_ENGINE_RUN_ROOT": "/var/worlds/engine_run"}
    code, body = _fp(local_pin, *base, *_COMMON)
    assert (code, body["code"]) == (2, "DEV_MIN_LOCAL_PATH")

    code, body = _fp(rehearsal_env, "status", uuid.uuid4().hex, *_COMMON)
    assert (code, body["code"]) == (2, "SR_RUN_UNKNOWN")
    prefix = S3Location(sr_site.object_store_bucket, f"fraud-platform/{platform_run_id}/")
    assert list(sr_site.store.list(prefix)) == []
