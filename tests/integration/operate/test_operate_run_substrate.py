"""`fp run new` and `fp run preflight` against the real local substrates.

The CLI runs as a subprocess (its own process, logging and telemetry, as an operator would run it);
the frozen-clock mint goes through the API so the clock can be injected.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import ROLES, Profile
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock
from fraud_platform.eb.topics import TOPICS
from fraud_platform.obs.facts import parse_fact
from fraud_platform.operate.context import OperateContext
from fraud_platform.operate.manifest import RunManifest, read_run_manifest
from fraud_platform.operate.preflight import run_preflight
from fraud_platform.operate.preflight_checks import KAFKA_METADATA_TIMEOUT_S
from fraud_platform.operate.runs import new_run
from fraud_platform.substrate import factory
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_FP = [str(Path(sys.executable).parent / "fp")]


@pytest.fixture(scope="module")
def profile(bootstrapped: BootstrappedSubstrates) -> Profile:
    return bootstrapped.profile


def _fp(
    bootstrapped: BootstrappedSubstrates, *args: str, **overrides: str
) -> tuple[int, dict[str, Any], str]:
    env = {**os.environ, **bootstrapped.env, **overrides}
    done = subprocess.run(
        [*_FP, *args, "--json"], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{done.stderr}"
    return done.returncode, json.loads(lines[-1]), done.stderr


_SUBSTRATE_INTERNALS = ("seaweedfs/data", "state", "tansu")


def _platform_files(home: Path) -> list[Path]:
    """Every file under FP_HOME except the substrates' own storage (object data, SQLite, tansu)."""
    return [
        path
        for path in home.rglob("*")
        if path.is_file()
        and not any(
            path.relative_to(home).as_posix().startswith(f"{inner}/") for inner in _SUBSTRATE_INTERNALS
        )
    ]


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _past_clock() -> FixedClock:
    seconds = random.SystemRandom().randrange(500_000_000)
    return FixedClock(datetime(2001, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC) + timedelta(seconds=seconds))


def test_two_mints_in_the_same_frozen_second_get_different_ids(profile: Profile) -> None:
    clock = _past_clock()
    with OperateContext(profile, clock=clock) as ctx:
        first = new_run(ctx, git_revision=None)
        second = new_run(ctx, git_revision=None)
        assert first.platform_run_id == clock.now().strftime("platform_%Y%m%dT%H%M%SZ")
        assert second.platform_run_id == (clock.now() + timedelta(seconds=1)).strftime(
            "platform_%Y%m%dT%H%M%SZ"
        )
        assert first.manifest.minted_at_utc == second.manifest.minted_at_utc
        assert first.manifest.claim_token != second.manifest.claim_token
        for minted in (first, second):
            assert (
                read_run_manifest(ctx.store, ctx.evidence_bucket, minted.platform_run_id) == minted.manifest
            )
            fact = parse_fact(ctx.store.get(minted.fact.location))
            assert fact.family == "RUN_MINTED" and fact.pins.platform_run_id == minted.platform_run_id


def test_fp_run_new_writes_run_json_once_and_no_current_run_file(
    bootstrapped: BootstrappedSubstrates, profile: Profile
) -> None:
    code, result, stderr = _fp(bootstrapped, "run", "new", "--profile", "local_parity")
    assert code == 0, stderr
    assert result["ok"] is True and result["code"] == "OK"
    run_id = result["platform_run_id"]
    store = factory.open_object_store(bootstrapped.operator)
    bucket = profile.object_store.evidence_bucket
    prefix = S3Location(bucket, f"evidence/runs/{run_id}/")
    keys = [info.key for info in store.list(prefix)]
    assert keys.count(f"evidence/runs/{run_id}/run.json") == 1
    assert any(key.startswith(f"evidence/runs/{run_id}/governance/RUN_MINTED/") for key in keys)
    assert f"evidence/runs/{run_id}/telemetry.json" in keys
    manifest = RunManifest.model_validate(parse_json_bytes(store.get(prefix.child("run.json"))))
    assert (
        manifest.platform_run_id == run_id and manifest.profile == "local_parity" and not manifest.rehearsal
    )
    assert manifest.handles["object_store"]["evidence_bucket"] == bucket  # type: ignore[index]
    assert manifest.config_digest == result["config_digest"]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True
    )
    assert manifest.git_revision == (head.stdout.strip() if head.returncode == 0 else None)

    log_lines = [
        json.loads(line)
        for line in (bootstrapped.fp_home / "logs" / "operate.jsonl").read_text().splitlines()
    ]
    assert any(line["event"] == "run_minted" and line["platform_run_id"] == run_id for line in log_lines)

    # The id is handed on explicitly: no file anywhere records a "current" run.
    for path in _platform_files(bootstrapped.fp_home):
        assert not any(word in path.name.lower() for word in ("current", "latest", "active")), path
        if "logs" not in path.relative_to(bootstrapped.fp_home).parts:
            assert run_id not in path.read_text(errors="replace"), f"{path} mentions the run id"
    evidence_keys = [info.key for info in store.list(S3Location(bucket, ""))]
    assert [key for key in evidence_keys if run_id in key] == [
        key for key in evidence_keys if key.startswith(f"evidence/runs/{run_id}/")
    ]
    object_store_keys = [
        info.key for info in store.list(S3Location(profile.object_store.object_store_bucket, ""))
    ]
    assert not [key for key in object_store_keys if run_id in key]


def test_preflight_of_an_unknown_run_is_refused(
    bootstrapped: BootstrappedSubstrates, profile: Profile
) -> None:
    code, result, _ = _fp(bootstrapped, "run", "preflight", "--run", "platform_19990101T000000Z")
    assert code == 2
    assert result == {
        "ok": False,
        "code": "RUN_UNKNOWN",
        "detail": result["detail"],
        "refs": result["refs"],
        "transient": False,
    }
    with pytest.raises(FailClosed) as caught:
        read_run_manifest(factory.open_object_store(bootstrapped.operator), "fp-evidence", "not-a-run")
    assert caught.value.code == "RUN_ID_INVALID"


def test_preflight_fails_fast_with_bus_unavailable_when_the_broker_is_down(
    bootstrapped: BootstrappedSubstrates, profile: Profile
) -> None:
    with OperateContext(profile) as ctx:
        run_id = new_run(ctx, git_revision=None).platform_run_id
    started = time.monotonic()
    code, result, stderr = _fp(
        bootstrapped,
        "run",
        "preflight",
        "--run",
        run_id,
        FP_LOCAL_KAFKA_BOOTSTRAP=f"127.0.0.1:{_closed_port()}",
    )
    elapsed = time.monotonic() - started
    assert code == 2, stderr
    assert result["ok"] is False and result["code"] == "PREFLIGHT_FAILED"
    failed = {(check["name"], check["role"]): check for check in result["failed"]}
    assert failed[("kafka_topics", "operator")]["code"] == "BUS_UNAVAILABLE"
    assert all(c["code"] == "BUS_UNAVAILABLE" for (name, _), c in failed.items() if name == "kafka_topics")
    assert result["audit_published"] is False
    # Fast means bounded by the short metadata timeout, not librdkafka's default minute.
    assert failed[("kafka_topics", "operator")]["seconds"] < KAFKA_METADATA_TIMEOUT_S + 10
    assert elapsed < 120, f"preflight against a down broker took {elapsed:.1f}s"

    store = factory.open_object_store(bootstrapped.operator)
    latest = parse_json_bytes(store.get(S3Location.parse(result["preflight"])))
    assert latest["ok"] is False and latest["code"] == "PREFLIGHT_FAILED" and latest["attempt"] == 1
    assert latest["platform_run_id"] == run_id and latest["rehearsal"] is False
    assert {"name", "role", "target", "ok", "code", "detail", "seconds"} == set(latest["checks"][0])
    facts = list(
        store.list(
            S3Location(
                profile.object_store.evidence_bucket, f"evidence/runs/{run_id}/governance/PREFLIGHT_FAILED/"
            )
        )
    )
    assert len(facts) == 1


def test_preflight_passes_on_a_healthy_bootstrapped_substrate(
    bootstrapped: BootstrappedSubstrates, profile: Profile
) -> None:
    with OperateContext(profile) as ctx:
        run_id = new_run(ctx, git_revision=None).platform_run_id
    code, result, stderr = _fp(bootstrapped, "run", "preflight", "--run", run_id)
    assert code == 0, stderr
    assert result["ok"] is True and result["failed"] == [] and result["audit_published"] is True
    checks = result["checks"]
    assert {check["name"] for check in checks} == {
        "pins_resolved",
        "config_matches_run",
        "state_store",
        "s3_list",
        "kafka_topics",
    }
    assert {check["role"] for check in checks if check["name"] == "s3_list"} == set(ROLES)
    operator_kafka = next(c for c in checks if c["name"] == "kafka_topics" and c["role"] == "operator")
    assert operator_kafka["detail"] == f"{len(TOPICS)} topics present"
    assert f"s3://{profile.object_store.object_store_bucket}/fraud-platform/{run_id}/sr/" in {
        c["target"] for c in checks if c["role"] == "sr"
    }

    store = factory.open_object_store(bootstrapped.operator)
    latest = parse_json_bytes(store.get(S3Location.parse(result["preflight"])))
    assert latest["ok"] is True and latest["attempt"] == 1 and latest["code"] == "OK"
    assert store.get(S3Location.parse(result["preflight_attempt"])) == store.get(
        S3Location.parse(result["preflight"])
    )
    fact_prefix = S3Location(
        profile.object_store.evidence_bucket, f"evidence/runs/{run_id}/governance/PREFLIGHT_PASSED/"
    )
    [fact_object] = list(store.list(fact_prefix))
    fact = parse_fact(store.get(S3Location(fact_prefix.bucket, fact_object.key)))
    assert fact.event_id == result["event_id"] and fact.details["attempt"] == 1

    with OperateContext(profile) as ctx:
        second = run_preflight(ctx, run_id)
    assert second.ok and second.attempt == 2
    assert parse_json_bytes(store.get(S3Location.parse(result["preflight"])))["attempt"] == 2
    assert store.get(S3Location.parse(second.attempt_uri)) != store.get(
        S3Location.parse(result["preflight_attempt"])
    )

    code, listing, stderr = _fp(bootstrapped, "run", "evidence", "--run", run_id)
    assert code == 0, stderr
    names = {item["uri"].removeprefix(listing["prefix"]) for item in listing["objects"]}
    assert {
        "run.json",
        "preflight.json",
        "preflight_attempts/000001.json",
        "preflight_attempts/000002.json",
    } <= names
    assert (
        listing["aws_cli"]
        == f"aws --endpoint-url {bootstrapped.s3_endpoint} s3 ls --recursive {listing['prefix']}"
    )
