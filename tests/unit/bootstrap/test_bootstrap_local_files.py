"""Local key issuing, the identities file, setting normal forms, the probe matrix and --grant-extra."""

from __future__ import annotations

import json
import stat
from collections import Counter
from pathlib import Path

import pytest

from fraud_platform.bootstrap._compare import normal_lifecycle, normal_policy
from fraud_platform.bootstrap.credentials import (
    KeyOutcome,
    KeyPair,
    issue_keys,
    read_roles_file,
    write_roles_file,
)
from fraud_platform.bootstrap.local_identities import (
    parse_grant_extra,
    read_identities,
    render_identities,
    write_identities,
)
from fraud_platform.bootstrap.plan import build_plan
from fraud_platform.bootstrap.probes import object_probes, seed_objects, topic_probes
from fraud_platform.bootstrap.roles import OPERATOR, ROLES, BucketKind
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import redact_text

NON_OPERATOR = [role for role in ROLES if role != OPERATOR]
OPERATOR_PAIR = KeyPair("FPOPERATOR00000001", "operator-secret-for-unit-tests")
BUCKETS = {BucketKind.OBJECT_STORE: "fp-object-store", BucketKind.EVIDENCE: "fp-evidence"}


def _operator_identity() -> dict[str, object]:
    return {
        "name": OPERATOR,
        "credentials": [
            {"accessKey": OPERATOR_PAIR.access_key_id, "secretKey": OPERATOR_PAIR.secret_access_key}
        ],
        "actions": ["Admin"],
    }


def test_keys_are_reused_unless_rotated_and_never_for_the_operator() -> None:
    first, outcomes = issue_keys({}, NON_OPERATOR)
    assert set(outcomes.values()) == {KeyOutcome.ISSUED}
    again, outcomes = issue_keys(first, NON_OPERATOR)
    assert again == first and set(outcomes.values()) == {KeyOutcome.REUSED}
    rotated, outcomes = issue_keys(first, NON_OPERATOR, rotate=True)
    assert set(outcomes.values()) == {KeyOutcome.ROTATED}
    assert all(rotated[role].access_key_id != first[role].access_key_id for role in NON_OPERATOR)
    assert redact_text(rotated["sr"].secret_access_key) != rotated["sr"].secret_access_key
    assert rotated["sr"].secret_access_key not in repr(rotated["sr"])
    with pytest.raises(ValueError):
        issue_keys({}, [OPERATOR])


def test_roles_file_is_private_keeps_the_operator_and_is_rewritten_only_on_change(tmp_path: Path) -> None:
    path = tmp_path / "credentials" / "roles.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps(
            {
                OPERATOR: {
                    "access_key_id": "FPOPERATOR00000001",
                    "secret_access_key": "operator-secret-for-unit-tests",
                }
            }
        )
    )
    existing, document = read_roles_file(path)
    pairs, _ = issue_keys(existing, NON_OPERATOR)
    assert write_roles_file(path, document, pairs) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reread, document = read_roles_file(path)
    assert reread[OPERATOR] == OPERATOR_PAIR
    assert set(reread) == set(ROLES)
    assert write_roles_file(path, document, issue_keys(reread, NON_OPERATOR)[0]) is False


def test_a_malformed_roles_file_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"sr": {"access_key_id": "x"}}))
    with pytest.raises(FailClosed) as caught:
        read_roles_file(path)
    assert caught.value.code == "BOOTSTRAP_CREDENTIALS_INVALID"


def test_identities_keep_the_operator_drop_strangers_and_add_extras(
    tmp_path: Path, local_profile: Profile
) -> None:
    plan = build_plan(local_profile)
    actions = {role["role"]: role["seaweedfs_actions"] for role in plan["roles"]}
    stranger = {
        "name": "leftover",
        "credentials": [{"accessKey": "A", "secretKey": "Bbbbbbbb"}],
        "actions": ["Admin"],
    }
    pairs, _ = issue_keys({}, NON_OPERATOR)
    extra = parse_grant_extra("wsp:Write:fp-object-store/oracle-store/*")
    document, dropped = render_identities(
        [_operator_identity(), stranger], OPERATOR_PAIR, pairs, actions, [extra]
    )
    assert dropped == ["leftover"]
    by_name = {identity["name"]: identity for identity in document["identities"]}
    assert list(by_name) == list(ROLES)
    assert by_name[OPERATOR] == _operator_identity()
    assert "Write:fp-object-store/oracle-store/*" in by_name["wsp"]["actions"]
    assert by_name["sr"]["actions"] == actions["sr"]
    path = tmp_path / "identities.json"
    assert write_identities(path, document) is True
    assert write_identities(path, document) is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(read_identities(path)) == len(ROLES)


def test_identities_without_the_matching_operator_are_refused(local_profile: Profile) -> None:
    pairs, _ = issue_keys({}, NON_OPERATOR)
    wrong = KeyPair("FPOTHER", "another-operator-secret")
    with pytest.raises(FailClosed) as caught:
        render_identities([_operator_identity()], wrong, pairs, {role: [] for role in ROLES})
    assert caught.value.code == "BOOTSTRAP_IDENTITIES_INVALID"


@pytest.mark.parametrize(
    "text", ["wsp:Write", "nobody:Write:b/x*", "operator:Write:b/*", "wsp:Fly:b/x*", "wsp:Read:"]
)
def test_grant_extra_must_name_a_role_a_verb_and_a_resource(text: str) -> None:
    with pytest.raises(FailClosed) as caught:
        parse_grant_extra(text)
    assert caught.value.code == "BOOTSTRAP_GRANT_EXTRA_INVALID"


def test_settings_echoed_by_aws_compare_equal_to_the_plan(local_profile: Profile) -> None:
    bucket = build_plan(local_profile)["buckets"][0]
    policy = bucket["policy"]
    echoed = json.loads(json.dumps(policy))
    for statement in echoed["Statement"]:
        statement["Action"] = list(reversed(statement["Action"]))
        statement["Principal"] = {"AWS": "*"}
        if len(statement.get("Resource", [])) == 1:
            statement["Resource"] = statement["Resource"][0]
    assert normal_policy(echoed) == normal_policy(policy)
    echoed["Statement"][0]["Action"] = ["s3:DeleteObject"]
    assert normal_policy(echoed) != normal_policy(policy)
    rules = bucket["lifecycle_rules"]
    assert normal_lifecycle(list(reversed(rules))) == normal_lifecycle(rules)
    assert normal_lifecycle(rules[1:]) != normal_lifecycle(rules)
    assert normal_lifecycle(None) is None


def test_the_probe_matrix_has_an_allowed_and_a_denied_probe_for_every_role() -> None:
    probes = object_probes(BUCKETS, "n0nce")
    allowed = Counter(p.role for p in probes if p.expect_allow)
    denied = Counter(p.role for p in probes if not p.expect_allow)
    assert set(allowed) == set(denied) == set(ROLES)
    canaries = [p for p in probes if p.is_canary]
    assert len(canaries) == 2 * len(ROLES) and not any(p.expect_allow for p in canaries)
    seeds = {seed.location for seed in seed_objects(BUCKETS, "n0nce")}
    for probe in probes:
        if probe.action.value in ("get", "delete") and not probe.is_canary:
            assert probe.location in seeds, probe
        assert "n0nce" in probe.location.key or probe.is_canary or probe.action.value == "list"
    kafka = topic_probes()
    assert {p.role for p in kafka if p.expect_allow} == set(ROLES) - {"auditor"}
    assert {p.role for p in kafka if not p.expect_allow} == set(ROLES) - {OPERATOR}
