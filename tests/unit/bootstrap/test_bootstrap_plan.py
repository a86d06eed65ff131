"""The plan: deterministic bytes, least-privilege IAM, bucket policies, ACLs, SeaweedFS actions, CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fraud_platform.bootstrap.plan import build_plan, plan_digest, write_plan
from fraud_platform.bootstrap.roles import OPERATOR, ROLES
from fraud_platform.cli.cmd_bootstrap import app
from fraud_platform.config import load_profile
from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import canonical_file_bytes, sha256_hex
from fraud_platform.eb.topics import TOPICS


def _role(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(role for role in plan["roles"] if role["role"] == name)


def _actions(policy: dict[str, Any]) -> set[str]:
    return {action for statement in policy["Statement"] for action in statement["Action"]}


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(statement for statement in policy["Statement"] if statement["Sid"] == sid)


def test_same_profile_gives_the_same_plan_bytes(
    bs_home: Path, tmp_path: Path, local_env_for: Callable[..., dict[str, str]]
) -> None:
    first = load_profile("local_parity", env=local_env_for(bs_home, 18333, 19092))
    # Other ports (another `fp substrate up`) must not change the plan: endpoints are not in it.
    second = load_profile("local_parity", env=local_env_for(bs_home, 28333, 29092))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    digest_a = write_plan(build_plan(first), a)
    digest_b = write_plan(build_plan(second), b)
    assert a.read_bytes() == b.read_bytes()
    assert digest_a == digest_b == plan_digest(json.loads(a.read_bytes()))
    assert a.read_bytes() == canonical_file_bytes(build_plan(first))
    assert "127.0.0.1" not in a.read_text()


def test_plan_holds_buckets_topics_and_every_role(local_profile: Profile) -> None:
    plan = build_plan(local_profile)
    assert [role["role"] for role in plan["roles"]] == list(ROLES)
    buckets = {bucket["kind"]: bucket for bucket in plan["buckets"]}
    # Locally the store cannot refuse an overwrite, so the object store is versioned (the original
    # stays recoverable); on AWS the bucket policy refuses it and versioning stays Suspended.
    assert buckets["object_store"]["versioning"] == "Enabled"
    assert buckets["evidence"]["versioning"] == "Enabled"
    for bucket in buckets.values():
        assert bucket["sse"] == {"algorithm": "AES256"}
        assert all(bucket["public_access_block"].values())
        assert any("AbortIncompleteMultipartUpload" in rule for rule in bucket["lifecycle_rules"])
    rules = {rule["ID"]: rule for rule in buckets["object_store"]["lifecycle_rules"]}
    assert rules["expire-transient-tagged"]["Filter"] == {
        "Tag": {"Key": "fp-retention", "Value": "transient"}
    }
    assert "fraud-platform/*/wsp/" in plan["transient_tag"]["applies_to"]
    assert [topic["name"] for topic in plan["topics"]] == [spec.name for spec in TOPICS]
    assert {gap["control"] for gap in plan["local_gaps"]} >= {"public_access_block", "kafka_acls"}


def test_no_role_but_the_operator_may_delete_and_the_auditor_has_no_put(dev_min_profile: Profile) -> None:
    plan = build_plan(dev_min_profile)
    for role in ROLES:
        actions = _actions(_role(plan, role)["iam_policy"])
        deletes = {action for action in actions if "Delete" in action}
        assert bool(deletes) == (role == OPERATOR), role
        assert "s3:*" not in actions
    auditor = _actions(_role(plan, "auditor")["iam_policy"])
    assert auditor == {"s3:GetObject", "s3:ListBucket"}


def test_iam_is_least_privilege_by_prefix(dev_min_profile: Profile) -> None:
    plan = build_plan(dev_min_profile)
    sorter = _role(plan, "oracle_sorter")["iam_policy"]
    assert _statement(sorter, "PutObjectStore")["Resource"] == [
        "arn:aws:s3:::fp-dev-min-object-store/oracle-store/*/stream_view/*"
    ]
    assert _statement(sorter, "ListObjectStore")["Condition"] == {
        "StringLike": {"s3:prefix": ["oracle-store/*"]}
    }
    for role in ROLES:
        for statement in _role(plan, role)["iam_policy"]["Statement"]:
            assert statement["Effect"] == "Allow"
            for resource in statement["Resource"]:
                assert resource.startswith(
                    ("arn:aws:s3:::fp-dev-min-object-store", "arn:aws:s3:::fp-dev-min-evidence")
                )
            if statement["Action"] == ["s3:ListBucket"] and role not in (OPERATOR, "reporter"):
                assert "s3:prefix" in statement["Condition"]["StringLike"], role


def test_dev_min_bucket_policy_exempts_the_operator_role_and_denies_plain_http(
    dev_min_profile: Profile,
) -> None:
    plan = build_plan(dev_min_profile)
    assert plan["substrate"]["policy_dialect"] == "aws"
    assert plan["local_gaps"] == []
    assert all("seaweedfs_actions" not in role for role in plan["roles"])
    policy = plan["buckets"][0]["policy"]
    outside = _statement(policy, "DenyDeleteOutsideDeletable")
    assert "Condition" not in outside  # truth is undeletable for the operator too
    assert all("oracle-store/" not in r or "_bootstrap_probe" in r for r in outside["NotResource"])
    except_operator = _statement(policy, "DenyDeleteExceptOperator")
    assert except_operator["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/fp-dev_min-operator"]}
    }
    assert _statement(policy, "DenyInsecureTransport")["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_local_bucket_policy_uses_the_seaweedfs_identity_name(local_profile: Profile) -> None:
    policy = build_plan(local_profile)["buckets"][1]["policy"]
    assert _statement(policy, "DenyDeleteExceptOperator")["Condition"] == {
        "StringNotEquals": {"aws:username": ["operator"]}
    }
    assert {s["Sid"] for s in policy["Statement"]} == {
        "DenyDeleteOutsideDeletable",
        "DenyDeleteExceptOperator",
    }


def test_seaweedfs_actions_are_prefix_scoped(local_profile: Profile) -> None:
    plan = build_plan(local_profile)
    sorter = _role(plan, "oracle_sorter")["seaweedfs_actions"]
    assert "Write:fp-object-store/oracle-store/*/stream_view/*" in sorter
    assert "Write:fp-object-store/oracle-store/*" not in sorter
    assert not any(action.startswith("Write") for action in _role(plan, "auditor")["seaweedfs_actions"])
    assert "List:fp-object-store" in _role(plan, "reporter")["seaweedfs_actions"]
    for role in ROLES:
        actions = _role(plan, role)["seaweedfs_actions"]
        assert ("Admin" in actions) == (role == OPERATOR)
        assert actions == sorted(set(actions))


def test_kafka_acls_are_confluent_bindings(dev_min_profile: Profile) -> None:
    plan = build_plan(dev_min_profile)

    def bindings(role: str) -> set[tuple[str, str, str, str]]:
        return {
            (b["operation"], b["resource_type"], b["resource_name"], b["pattern_type"])
            for b in _role(plan, role)["kafka_acls"]
        }

    ig = bindings("ig")
    assert ("WRITE", "TOPIC", "fp.bus.traffic.fraud.v1", "LITERAL") in ig
    assert ("IDEMPOTENT_WRITE", "CLUSTER", "kafka-cluster", "LITERAL") in ig
    # IG re-reads what it published (reconciliation): READ on traffic/context, in fp.ig.* groups only.
    assert ("READ", "TOPIC", "fp.bus.traffic.fraud.v1", "LITERAL") in ig
    assert ("READ", "GROUP", "fp.ig.", "PREFIXED") in ig
    assert ("READ", "TOPIC", "fp.bus.control.v1", "LITERAL") not in ig
    wsp = bindings("wsp")
    assert ("READ", "TOPIC", "fp.bus.control.v1", "LITERAL") in wsp
    assert ("READ", "GROUP", "fp.wsp.", "PREFIXED") in wsp
    assert ("WRITE", "TOPIC", "fp.bus.control.v1", "LITERAL") not in wsp
    assert bindings("auditor") == set()
    assert ("CREATE", "CLUSTER", "kafka-cluster", "LITERAL") in bindings(OPERATOR)
    # Teardown lists and deletes every role's groups, so only the operator has these on `fp.`.
    assert {("DESCRIBE", "GROUP", "fp.", "PREFIXED"), ("DELETE", "GROUP", "fp.", "PREFIXED")} <= bindings(
        OPERATOR
    )
    assert not any(op == "DELETE" for role in ROLES if role != OPERATOR for op, *_ in bindings(role))
    # Each role's bindings name its own Confluent service account (the principal of its own key).
    assert all(b["principal"] == "User:sa-3xsr" for b in _role(plan, "sr")["kafka_acls"])
    assert _role(plan, "sr")["kafka_principal"] == "User:sa-3xsr"
    principals = {_role(plan, role)["kafka_principal"] for role in ROLES}
    assert len(principals) == len(ROLES)


def test_cli_plan_writes_the_file_and_ends_with_its_digest(
    bs_dev_min_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in bs_dev_min_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FP_HOME", str(tmp_path / "home"))
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "--profile", "dev_min", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["ok"] is True
    assert last["plan_path"] == str(out)
    assert last["plan_digest"] == sha256_hex(out.read_bytes()[:-1])
    for secret in ("bootstrap-test-secret/with+chars=", "bs-Pa55word-xyz"):
        assert secret not in out.read_text()
        assert secret not in result.output
    default = CliRunner().invoke(app, ["plan", "--profile", "dev_min", "--json"])
    assert default.exit_code == 0, default.output
    assert (tmp_path / "home" / "bootstrap" / "plan-dev_min.json").read_bytes() == out.read_bytes()
