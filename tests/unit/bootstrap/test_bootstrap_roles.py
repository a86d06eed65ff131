"""The role table is sane, and the role model says what the issue says each role may do."""

from __future__ import annotations

from collections import Counter

import pytest

from fraud_platform.bootstrap.model import object_allowed, pattern_matches, topic_allowed
from fraud_platform.bootstrap.roles import (
    OBJECT_GRANTS,
    OPERATOR,
    ROLE_DESCRIPTIONS,
    ROLES,
    TOPIC_GRANTS,
    TRUTH_PREFIXES,
    BucketKind,
    ObjectAction,
    TopicOperation,
    object_grants_of,
)
from fraud_platform.bootstrap.sites import canary_key, deletable_prefixes, probe_sites, site_for
from fraud_platform.config import ROLES as CONFIG_ROLES
from fraud_platform.eb.topics import AUDIT_TOPIC, CONTROL_TOPIC, TOPICS, TRAFFIC_AND_CONTEXT_TOPICS

OS, EV = BucketKind.OBJECT_STORE, BucketKind.EVIDENCE
G, P, L, D = ObjectAction.GET, ObjectAction.PUT, ObjectAction.LIST, ObjectAction.DELETE
COMPONENTS = [role for role in ROLES if role not in (OPERATOR, "auditor")]


def test_roles_are_the_shared_names_and_every_grant_names_a_known_role_and_topic() -> None:
    assert ROLES == CONFIG_ROLES
    assert set(ROLE_DESCRIPTIONS) == set(ROLES)
    assert {grant.role for grant in OBJECT_GRANTS} <= set(ROLES)
    assert {grant.topic for grant in TOPIC_GRANTS} <= {spec.name for spec in TOPICS}


def test_grant_prefixes_are_directory_prefixes_and_never_repeat() -> None:
    keys = Counter((grant.role, grant.bucket, grant.prefix) for grant in OBJECT_GRANTS)
    assert max(keys.values()) == 1
    for grant in OBJECT_GRANTS:
        assert grant.prefix == "" or grant.prefix.endswith("/"), grant
        assert grant.actions, grant
        assert len(set(grant.actions)) == len(grant.actions)


def test_only_the_operator_holds_a_delete_grant() -> None:
    holders = {grant.role for grant in OBJECT_GRANTS if D in grant.actions}
    assert holders == {OPERATOR}


def test_every_write_grant_can_read_back_what_it_wrote() -> None:
    # put_if_absent answers a 412 by reading the existing object: a writer that cannot read is stuck.
    for grant in OBJECT_GRANTS:
        if P in grant.actions:
            assert G in grant.actions, grant


def test_auditor_reads_evidence_and_writes_nothing_anywhere() -> None:
    grants = object_grants_of("auditor")
    assert all(grant.bucket is EV and P not in grant.actions and D not in grant.actions for grant in grants)
    assert not any(grant.role == "auditor" for grant in TOPIC_GRANTS)
    assert object_allowed("auditor", EV, "evidence/runs/platform_20260101T000000Z/run.json", G)
    assert not object_allowed("auditor", OS, "fraud-platform/x/sr/run_plan.json", G)


@pytest.mark.parametrize("role", COMPONENTS)
def test_every_component_role_writes_governance_facts_and_produces_audit(role: str) -> None:
    assert object_allowed(role, EV, "evidence/runs/platform_20260101T000000Z/governance/X/e.json", P)
    assert not object_allowed(role, EV, "evidence/elsewhere.json", P)
    assert topic_allowed(role, AUDIT_TOPIC, TopicOperation.PRODUCE)


def test_oracle_sorter_writes_stream_views_only() -> None:
    view = "oracle-store/local_parity/abc/stream_view/ts_utc/output_id=x/part-000000.parquet"
    assert object_allowed("oracle_sorter", OS, view, P)
    assert not object_allowed("oracle_sorter", OS, "oracle-store/local_parity/abc/_SEALED.json", P)
    assert not object_allowed("oracle_sorter", OS, "oracle-store/local_parity/abc/stream_viewX/p", P)
    assert object_allowed("oracle_sorter", OS, "oracle-store/local_parity/abc/_SEALED.json", G)


def test_the_issue_s_role_lines_hold() -> None:
    assert object_allowed("oracle_lander", OS, "oracle-store/ns/run/_SEALED.json", P)
    assert object_allowed("oracle_lander", OS, "pointers/oracle/local_parity.json", P)
    assert not object_allowed("oracle_lander", OS, "fraud-platform/r/sr/x", P)
    assert object_allowed("sr", OS, "fraud-platform/platform_20260101T000000Z/sr/run_plan/x.json", P)
    assert not object_allowed("sr", OS, "fraud-platform/platform_20260101T000000Z/wsp/x.json", P)
    assert topic_allowed("sr", CONTROL_TOPIC, TopicOperation.PRODUCE)
    assert object_allowed("wsp", OS, "fraud-platform/r/sr/run_facts_view/x.json", G)
    assert object_allowed("wsp", OS, "fraud-platform/r/wsp/checkpoint.json", P)
    assert topic_allowed("wsp", CONTROL_TOPIC, TopicOperation.CONSUME)
    assert not topic_allowed("wsp", CONTROL_TOPIC, TopicOperation.PRODUCE)
    assert object_allowed("ig", OS, "fraud-platform/r/ig/receipts/e.json", P)
    assert object_allowed("ig", OS, "fraud-platform/r/ig/quarantine/e.json", P)
    assert not object_allowed("ig", OS, "oracle-store/ns/run/x", G)
    for spec in TRAFFIC_AND_CONTEXT_TOPICS:
        assert topic_allowed("ig", spec.name, TopicOperation.PRODUCE)
    assert object_allowed("reporter", OS, "oracle-store/ns/run/x", G)
    assert object_allowed("reporter", EV, "evidence/runs/r/report.html", P)
    assert not object_allowed("reporter", OS, "fraud-platform/r/report.html", P)


def test_pattern_matching_is_iam_like() -> None:
    assert pattern_matches("a/*/b/*", "a/x/y/b/z")
    assert pattern_matches("a/*", "a/")
    assert not pattern_matches("a/*/b/*", "a/x/bb/z")
    assert not pattern_matches("a.b*", "aXb")  # the dot is literal


def test_deletes_only_by_the_operator_and_never_on_truth() -> None:
    for kind in BucketKind:
        canary = canary_key(kind)
        assert any(canary.startswith(prefix) for prefix in TRUTH_PREFIXES[kind])
        for role in ROLES:
            assert not object_allowed(role, kind, canary, D), (role, kind)
        for site in probe_sites(kind):
            assert object_allowed(OPERATOR, kind, f"{site}x.probe", D)
            assert not object_allowed("reporter", kind, f"{site}x.probe", D)
        for prefix in deletable_prefixes(kind):
            truth_overlap = any(prefix.startswith(truth) for truth in TRUTH_PREFIXES[kind])
            assert not truth_overlap or "_bootstrap_probe/" in prefix, prefix
    assert object_allowed(OPERATOR, OS, "fraud-platform/r/wsp/x", D)
    assert not object_allowed(OPERATOR, OS, "pointers/oracle/local_parity.json", D)


def test_probe_sites_stand_for_their_grant_prefixes() -> None:
    assert site_for("oracle-store/*/stream_view/") == "oracle-store/_bootstrap_probe/stream_view/"
    assert site_for("evidence/runs/") == "evidence/runs/_bootstrap_probe/"
    assert site_for("") == "_bootstrap_probe/"
    for grant in OBJECT_GRANTS:
        site = site_for(grant.prefix)
        assert site in probe_sites(grant.bucket)
        assert pattern_matches(grant.prefix + "*", f"{site}k.probe")


def test_ig_reads_the_sr_ledger_writes_its_own_folder_and_re_reads_what_it_published() -> None:
    run = "fraud-platform/platform_20260101T000000Z"
    assert object_allowed("ig", OS, f"{run}/sr/run_facts_view/x.json", G)
    assert object_allowed("ig", OS, f"{run}/sr/ready_signal/x.json", G)
    assert not object_allowed("ig", OS, f"{run}/sr/run_facts_view/x.json", P)
    assert not object_allowed("ig", OS, f"{run}/sr/run_facts_view/", L)
    for key in (f"{run}/ig/receipts/e.json", f"{run}/ig/quarantine/e.json", f"{run}/ig/admission/x.json"):
        assert object_allowed("ig", OS, key, P) and object_allowed("ig", OS, key, G)
    assert not object_allowed("ig", OS, f"{run}/wsp/checkpoint.json", G)  # no stream views, no WSP state
    assert not object_allowed("ig", OS, "oracle-store/ns/run/stream_view/part-000000.parquet", G)
    assert not object_allowed("ig", EV, "evidence/other/x.json", P)
    for spec in TRAFFIC_AND_CONTEXT_TOPICS:
        assert topic_allowed("ig", spec.name, TopicOperation.PRODUCE)
        assert topic_allowed("ig", spec.name, TopicOperation.CONSUME)
    assert not topic_allowed("ig", CONTROL_TOPIC, TopicOperation.CONSUME)


def test_wsp_reads_packs_and_the_sr_ledger_only_and_writes_its_own_folder() -> None:
    run = "fraud-platform/platform_20260101T000000Z"
    assert object_allowed("wsp", OS, "oracle-store/ns/run/stream_view/ts_utc/part-000000.parquet", G)
    assert object_allowed("wsp", OS, "oracle-store/ns/run/", L)
    assert object_allowed("wsp", OS, f"{run}/sr/ready_signal/x.json", G)
    assert object_allowed("wsp", OS, f"{run}/wsp/checkpoints/x.json", P)
    # Least privilege: WSP used to read all of fraud-platform/; IG's receipts are none of its business.
    assert not object_allowed("wsp", OS, f"{run}/ig/receipts/e.json", G)
    assert not object_allowed("wsp", OS, "fraud-platform/", L)
    assert topic_allowed("wsp", CONTROL_TOPIC, TopicOperation.CONSUME)
    assert not any(
        topic_allowed("wsp", spec.name, op)
        for spec in TRAFFIC_AND_CONTEXT_TOPICS
        for op in (TopicOperation.PRODUCE, TopicOperation.CONSUME)
    )
