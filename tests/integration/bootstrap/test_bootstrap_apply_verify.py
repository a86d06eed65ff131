"""apply and verify against the real local substrates: idempotent apply, a passing posture, and a
deliberately over-broad role that verify must catch (exit 2, naming the role)."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest
from typer.testing import CliRunner

from fraud_platform.bootstrap import ROLES, apply_bootstrap, verify_bootstrap
from fraud_platform.bootstrap._compare import normal_lifecycle, normal_policy
from fraud_platform.bootstrap.credentials import ROLES_FILE
from fraud_platform.bootstrap.local_identities import IDENTITIES_FILE
from fraud_platform.bootstrap.local_session import BootstrappedSubstrates as Bootstrapped
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind
from fraud_platform.bootstrap.sites import canary_key, site_roots
from fraud_platform.cli.cmd_bootstrap import app
from fraud_platform.core.time import SystemClock
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.objectstore.port import S3Location

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
    assert first["summary"]["issued"] == len(ROLES) - 1
    assert first["identities_reloaded"] is True
    before = _state(bootstrapped)
    second = apply_bootstrap(
        bootstrapped.profile, ports=bootstrapped.ports(), fp_home=bootstrapped.fp_home, clock=SystemClock()
    ).report
    assert set(second["summary"]) == {"unchanged", "reused", "UNSUPPORTED_LOCALLY"}, second["summary"]
    assert second["identities_reloaded"] is False
    assert _state(bootstrapped) == before
    assert before[str(ROLES_FILE)][1] == 0o600
    assert before["fp-object-store"]["versioning"] == "Suspended"
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
    kafka = [p for p in report["probes"] if p["action"] == "kafka:Produce"]
    assert {p["verdict"] for p in kafka if p["expected"] == "deny"} == {"UNSUPPORTED_LOCALLY"}
    assert {p["verdict"] for p in kafka if p["expected"] == "allow"} == {"PASS"}
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
