"""apply and verify against the real local substrates: idempotent apply, a passing posture, and a
deliberately over-broad role that verify must catch (exit 2, naming the role)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from fraud_platform.bootstrap import ROLES, BootstrapPorts, apply_bootstrap, verify_bootstrap
from fraud_platform.bootstrap._compare import normal_lifecycle, normal_policy
from fraud_platform.bootstrap.credentials import ROLES_FILE
from fraud_platform.bootstrap.local_identities import IDENTITIES_FILE
from fraud_platform.bootstrap.local_session import BootstrappedSubstrates as Bootstrapped
from fraud_platform.bootstrap.plan import build_plan
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind
from fraud_platform.bootstrap.sites import canary_key, site_roots
from fraud_platform.bootstrap.write_once import write_once_probe_key
from fraud_platform.cli.cmd_bootstrap import app
from fraud_platform.config import load_profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import SystemClock
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.local.seaweedfs import s3_client
from fraud_platform.substrate.objectstore.port import PutOutcome, S3Location

pytestmark = pytest.mark.integration

RUN_ID = "platform_20260101T000000Z"


def _state(bs: Bootstrapped) -> dict[str, Any]:
    """Everything apply sets: the two local files (bytes, mode) and every bucket setting."""
    admin = bs.ports().s3_admin()
    operator = open_object_store(bs.operator)
    state: dict[str, Any] = {}
    for name in (IDENTITIES_FILE, ROLES_FILE):
        path = bs.fp_home / name
        state[str(name)] = (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    for kind, bucket in (
        (BucketKind.OBJECT_STORE, bs.profile.object_store.object_store_bucket),
        (BucketKind.EVIDENCE, bs.profile.object_store.evidence_bucket),
    ):
        state[bucket] = {
            "versioning": admin.get_versioning(bucket),
            "sse": admin.get_encryption_algorithm(bucket),
            "lifecycle": normal_lifecycle(admin.get_lifecycle_rules(bucket)),
            "policy": normal_policy(admin.get_policy(bucket)),
            "canary": operator.head(S3Location(bucket, canary_key(kind))),
        }
    return state


def _secrets(bs: Bootstrapped) -> list[str]:
    document = json.loads((bs.fp_home / ROLES_FILE).read_text())
    return [entry["secret_access_key"] for entry in document.values()]


def test_apply_twice_leaves_the_same_state(bootstrapped: Bootstrapped) -> None:
    first = bootstrapped.applied.report
    key_pairs = [step for step in first["steps"] if step["setting"] == "key_pair"]
    assert [step["outcome"] for step in key_pairs] == ["issued"] * (len(ROLES) - 1)
    assert first["identities_reloaded"] is True
    before = _state(bootstrapped)
    second = apply_bootstrap(
        bootstrapped.profile, ports=bootstrapped.ports(), fp_home=bootstrapped.fp_home, clock=SystemClock()
    ).report
    assert set(second["summary"]) == {"unchanged", "reused", "UNSUPPORTED_LOCALLY"}, second["summary"]
    assert second["identities_reloaded"] is False
    assert _state(bootstrapped) == before
    assert before[str(ROLES_FILE)][1] == 0o600
    # Locally the store cannot refuse an overwrite, so the object store is versioned too.
    assert before["fp-object-store"]["versioning"] == "Enabled"
    assert before["fp-evidence"]["versioning"] == "Enabled"
    assert second["unsupported_locally"] == [
        "bucket:fp-object-store public_access_block",
        "bucket:fp-evidence public_access_block",
        "bus:tansu acls",
    ]


def test_verify_passes_and_every_role_meets_a_denial(bootstrapped: Bootstrapped) -> None:
    result = verify_bootstrap(
        bootstrapped.profile, ports=bootstrapped.ports(), fp_home=bootstrapped.fp_home, clock=SystemClock()
    )
    report = result.report
    assert result.ok, report["violations"]
    assert result.path == bootstrapped.fp_home / "bootstrap" / "posture-local_parity.json"
    assert all(report["summary"]["denied_probes_by_role"][role] >= 1 for role in ROLES)
    verdicts = {(p["role"], p["action"], p["target"]): p for p in report["probes"]}
    bucket = "s3://fp-object-store/"
    sorter_view = verdicts[
        (
            "oracle_sorter",
            "s3:PutObject",
            f"{bucket}oracle-store/_bootstrap_probe/stream_view/put.oracle_sorter.{report['nonce']}.probe",
        )
    ]
    assert (sorter_view["expected"], sorter_view["verdict"]) == ("allow", "PASS")
    sorter_root = verdicts[
        (
            "oracle_sorter",
            "s3:PutObject",
            f"{bucket}oracle-store/_bootstrap_probe/put.oracle_sorter.{report['nonce']}.probe",
        )
    ]
    assert (sorter_root["observed"], sorter_root["verdict"]) == ("denied", "PASS")
    canary = verdicts[(OPERATOR, "s3:DeleteObject", f"{bucket}{canary_key(BucketKind.OBJECT_STORE)}")]
    assert (canary["observed"], canary["verdict"]) == ("denied", "PASS")
    kafka = [p for p in report["probes"] if p["action"] in ("kafka:Produce", "kafka:Consume")]
    assert {p["verdict"] for p in kafka if p["expected"] == "deny"} == {"UNSUPPORTED_LOCALLY"}
    assert {p["verdict"] for p in kafka if p["expected"] == "allow"} == {"PASS"}
    denied_consumes = {p["role"] for p in kafka if p["action"] == "kafka:Consume"}
    assert denied_consumes == set(ROLES) - {OPERATOR, "reporter"}
    checks = {(c["target"], c["check"]): c["verdict"] for c in report["checks"]}
    assert checks[("s3://fp-object-store", "public_access_block")] == "UNSUPPORTED_LOCALLY"
    assert checks[("s3://fp-evidence", "policy")] == "PASS"
    operator = open_object_store(bootstrapped.operator)
    for kind, name in ((BucketKind.OBJECT_STORE, "fp-object-store"), (BucketKind.EVIDENCE, "fp-evidence")):
        for root in site_roots(kind):
            left = [info.key for info in operator.list(S3Location(name, root)) if report["nonce"] in info.key]
            assert left == [], left
    written = result.path.read_text() + bootstrapped.applied.path.read_text()
    for secret in _secrets(bootstrapped):
        assert secret not in written
    _assert_local_write_once_limit_and_recovery(bootstrapped, report)


def _assert_local_write_once_limit_and_recovery(bootstrapped: Bootstrapped, report: dict[str, Any]) -> None:
    """SeaweedFS cannot refuse an overwrite without If-None-Match: verify says so (never a pass) and
    proves, with a real overwrite, that the versioned bucket kept the original bytes."""
    checks = {(c["target"], c["check"]): c for c in report["checks"]}
    for name in ("fp-object-store", "fp-evidence"):
        check = checks[(f"s3://{name}", "write_once")]
        assert check["verdict"] == "UNSUPPORTED_LOCALLY", check
        assert check["observed"] == "overwritten, original recoverable", check
        assert "cannot express s3:if-none-match" in check["detail"]
        assert f"s3://{name} write_once" in report["unsupported_locally"]
    # The evidence behind the verdict, re-checked here: a put without If-None-Match replaced the
    # bytes, and the original is still readable by its version id (as the operator).
    admin = bootstrapped.ports().s3_admin()
    key = write_once_probe_key(BucketKind.OBJECT_STORE, report["nonce"])
    versions = admin.object_versions("fp-object-store", key)
    bodies = {admin.get_object_version("fp-object-store", key, vid) for vid, _latest in versions}
    assert f"write-once probe {report['nonce']}: original\n".encode() in bodies
    assert f"write-once probe {report['nonce']}: overwritten without If-None-Match\n".encode() in bodies
    # ... and cleanup's delete left a delete marker, not a visible object.
    operator = open_object_store(bootstrapped.operator)
    assert operator.head(S3Location("fp-object-store", key)) is None


def test_apply_with_a_run_records_a_fact_the_auditor_can_read(bootstrapped: Bootstrapped) -> None:
    report = apply_bootstrap(
        bootstrapped.profile,
        ports=bootstrapped.ports(),
        fp_home=bootstrapped.fp_home,
        clock=SystemClock(),
        run_id=RUN_ID,
    ).report
    location = S3Location.parse(report["evidence"]["location"])
    assert location.key.startswith(f"evidence/runs/{RUN_ID}/governance/BOOTSTRAP_APPLIED/")
    fact = json.loads(open_object_store(bootstrapped.credentials["auditor"]).get(location))
    assert fact["family"] == "BOOTSTRAP_APPLIED"
    assert fact["details"]["plan_digest"] == report["plan_digest"]
    for secret in _secrets(bootstrapped):
        assert secret not in json.dumps(fact)


def test_verify_catches_an_over_broad_role(bootstrapped: Bootstrapped) -> None:
    runner = CliRunner()
    env = {**bootstrapped.env, "FP_HOME": str(bootstrapped.fp_home)}
    try:
        applied = runner.invoke(
            app,
            ["apply", "--json", "--grant-extra", "wsp:Write:fp-object-store/oracle-store/*"],
            env=env,
        )
        assert applied.exit_code == 0, applied.output
        assert json.loads(applied.stdout.strip().splitlines()[-1])["overrides"] == [
            "wsp Write:fp-object-store/oracle-store/*"
        ]
        verified = runner.invoke(app, ["verify", "--json"], env=env)
        assert verified.exit_code == 2, verified.output
        last = json.loads(verified.stdout.strip().splitlines()[-1])
        assert (last["ok"], last["code"]) == (False, "POSTURE_VIOLATION")
        assert last["roles_with_violations"] == ["wsp"]
        assert any(
            v.startswith("wsp s3:PutObject s3://fp-object-store/oracle-store/") for v in last["violations"]
        )
        assert any("identity:wsp actions" in v and "oracle-store/*" in v for v in last["violations"])
    finally:
        restored = apply_bootstrap(
            bootstrapped.profile,
            ports=bootstrapped.ports(),
            fp_home=bootstrapped.fp_home,
            clock=SystemClock(),
        )
    assert restored.report["identities_reloaded"] is True
    identities = json.loads((bootstrapped.fp_home / IDENTITIES_FILE).read_text())["identities"]
    wsp = next(identity for identity in identities if identity["name"] == "wsp")
    assert "Write:fp-object-store/oracle-store/*" not in wsp["actions"]


def test_write_once_and_cas_still_hold_on_the_versioned_object_store(bootstrapped: Bootstrapped) -> None:
    """Versioning must not weaken the protocol every component relies on (measured on SeaweedFS 4.48)."""
    store = open_object_store(bootstrapped.credentials["oracle_lander"])
    location = S3Location("fp-object-store", f"oracle-store/_bootstrap_probe/versioned.{RUN_ID}.probe")
    assert store.put_if_absent(location, b"first") is PutOutcome.CREATED
    assert store.put_if_absent(location, b"first") is PutOutcome.ALREADY_PRESENT
    with pytest.raises(FailClosed) as conflict:
        store.put_if_absent(location, b"second")
    assert conflict.value.code == "OBJECT_CONFLICT"
    pointer = S3Location("fp-object-store", "pointers/oracle/_bootstrap_probe/versioned.json")
    etag = store.put_if_match(pointer, b"v1", None)
    with pytest.raises(FailClosed) as stale:
        store.put_if_match(pointer, b"v2", '"0000"')
    assert stale.value.code == "OBJECT_CAS_CONFLICT"
    store.put_if_match(pointer, b"v2", etag)
    assert store.get(pointer) == b"v2"
    with pytest.raises(FailClosed) as lost:
        store.put_if_match(pointer, b"v3", etag)  # the ETag of a noncurrent version no longer matches
    assert lost.value.code == "OBJECT_CAS_CONFLICT"
    operator = open_object_store(bootstrapped.operator)
    for probe in (location, pointer):  # both sit in probe sites, which the operator may clean
        operator.delete(probe)
        assert store.head(probe) is None
    assert store.put_if_absent(location, b"after a delete") is PutOutcome.CREATED  # a marker is absence
    operator.delete(location)


def _rehearsal_env(bs: Bootstrapped, tmp_path: Path) -> dict[str, str]:
    """dev_min pins pointing at the bootstrapped local substrates: every role's S3 keys, own Kafka
    key pair and service account (tansu ignores the keys, but a rehearsal exercises the pins)."""
    env = {
        "FP_DEV_MIN_REHEARSAL": "1",
        "DEV_MIN_S3_ENDPOINT_URL": bs.s3_endpoint,
        "DEV_MIN_AWS_REGION": bs.profile.object_store.region,
        "DEV_MIN_OBJECT_STORE_BUCKET": bs.profile.object_store.object_store_bucket,
        "DEV_MIN_EVIDENCE_BUCKET": bs.profile.object_store.evidence_bucket,
        "DEV_MIN_KAFKA_BOOTSTRAP": bs.kafka_bootstrap,
        "DEV_MIN_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
        "DEV_MIN_KAFKA_API_KEY": "rehearsal-operator-key",
        "DEV_MIN_KAFKA_API_SECRET": "rehearsal-operator-secret",
        "DEV_MIN_STATE_DSN": f"sqlite:///{tmp_path / 'authority.sqlite'}",
        "DEV_MIN_IG_URL": "http://127.0.0.1:9",
    }
    for role in ROLES:
        upper = role.upper()
        env[f"DEV_MIN_ROLE_{upper}_AWS_ACCESS_KEY_ID"] = bs.credentials[role].access_key_id
        env[f"DEV_MIN_ROLE_{upper}_AWS_SECRET_ACCESS_KEY"] = bs.credentials[role].secret_access_key
        env[f"DEV_MIN_KAFKA_SERVICE_ACCOUNT_{upper}"] = f"sa-rehearsal{role.replace('_', '')}"
        if role != OPERATOR:
            env[f"DEV_MIN_KAFKA_API_KEY_{upper}"] = f"rehearsal-{role}-key"
            env[f"DEV_MIN_KAFKA_API_SECRET_{upper}"] = f"rehearsal-{role}-secret"
    return env


def test_a_rehearsal_verify_reports_kafka_denials_unsupported_and_a_missing_key_fails_one_role(
    bootstrapped: Bootstrapped, tmp_path: Path
) -> None:
    env = _rehearsal_env(bootstrapped, tmp_path)
    del env["DEV_MIN_KAFKA_API_KEY_IG"], env["DEV_MIN_KAFKA_API_SECRET_IG"]
    profile = load_profile("dev_min", env=env)
    assert profile.rehearsal
    result = verify_bootstrap(
        profile,
        ports=BootstrapPorts(profile),
        fp_home=bootstrapped.fp_home,
        clock=SystemClock(),
        report_path=tmp_path / "posture-rehearsal.json",
    )
    report = result.report
    # IG has no Kafka key: its Kafka probes are errors, so IG alone fails; every other role is proven.
    assert report["roles_with_violations"] == ["ig"], report["violations"]
    ig = [p for p in report["probes"] if p["role"] == "ig" and p["action"].startswith("kafka:")]
    assert {p["verdict"] for p in ig if p["expected"] == "allow"} == {"FAIL"}
    assert all("DEV_MIN_KAFKA_API_KEY_IG" in p["detail"] for p in ig if p["expected"] == "allow")
    others = [p for p in report["probes"] if p["role"] != "ig" and p["action"].startswith("kafka:")]
    assert {p["verdict"] for p in others if p["expected"] == "deny"} == {"UNSUPPORTED_LOCALLY"}
    assert {p["verdict"] for p in others if p["expected"] == "allow"} == {"PASS"}
    assert {p["action"] for p in others if p["expected"] == "deny"} == {"kafka:Produce", "kafka:Consume"}
    plan_principals = {role["role"]: role["kafka_principal"] for role in build_plan(profile)["roles"]}
    assert plan_principals["sr"] == "User:sa-rehearsalsr"
    written = result.path.read_text()
    assert "rehearsal-sr-secret" not in written and "rehearsal-operator-secret" not in written


def test_no_one_can_delete_a_version_of_truth_so_the_original_stays(bootstrapped: Bootstrapped) -> None:
    """Versioning is only a safeguard if the old version cannot be removed either: a version delete on
    truth is refused for every identity, the operator included (the delete-deny policy names
    s3:DeleteObjectVersion; measured on SeaweedFS 4.48)."""
    key = f"oracle-store/_bootstrap_canary/versioning.{RUN_ID}.probe"  # truth, reserved name
    lander = s3_client(bootstrapped.credentials["oracle_lander"])
    first = lander.put_object(Bucket="fp-object-store", Key=key, Body=b"truth", IfNoneMatch="*")
    lander.put_object(Bucket="fp-object-store", Key=key, Body=b"overwritten")  # no If-None-Match
    for role in (OPERATOR, "oracle_lander"):
        client = s3_client(bootstrapped.credentials[role])
        with pytest.raises(ClientError) as refused:
            client.delete_object(Bucket="fp-object-store", Key=key, VersionId=first["VersionId"])
        assert refused.value.response["Error"]["Code"] == "AccessDenied", role
    admin = bootstrapped.ports().s3_admin()
    assert admin.get_object_version("fp-object-store", key, first["VersionId"]) == b"truth"
