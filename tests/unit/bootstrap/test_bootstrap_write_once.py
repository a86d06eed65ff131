"""Write-once enforced by the store: the rendered AWS bucket policy, checked against the real key layouts."""

from __future__ import annotations

from typing import Any

import pytest

from fraud_platform.bootstrap.bucket_policy import PolicyDialect, render_bucket_policy
from fraud_platform.bootstrap.model import pattern_matches
from fraud_platform.bootstrap.plan import build_plan
from fraud_platform.bootstrap.roles import CAS_DOCUMENTS, WRITE_ONCE_SCOPES, BucketKind
from fraud_platform.bootstrap.write_once import write_once_check, write_once_probe_key
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.oracle.pointer import history_location, pointer_location
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED

OS, EV = BucketKind.OBJECT_STORE, BucketKind.EVIDENCE
RUN = "platform_20260101T000000Z"
SCENARIO_RUN = "0123456789abcdef0123456789abcdef"
# What AWS documents for "deny unless If-None-Match", with the multipart exemption: UploadPart (and
# CreateMultipartUpload) are authorised as s3:PutObject but have s3:ObjectCreationOperation=false.
WRITE_ONCE_CONDITION = {
    "Null": {"s3:if-none-match": "true"},
    "Bool": {"s3:ObjectCreationOperation": "true"},
}


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(statement for statement in policy["Statement"] if statement["Sid"] == sid)


def _policies(profile: Profile) -> dict[str, dict[str, Any]]:
    return {bucket["kind"]: bucket["policy"] for bucket in build_plan(profile)["buckets"]}


def _covered(statement: dict[str, Any], bucket: str, key: str) -> bool:
    """Whether an object statement applies to `key` (IAM matching: Resource, or not NotResource)."""
    arn = f"arn:aws:s3:::{bucket}/{key}"
    if "Resource" in statement:
        return any(pattern_matches(pattern, arn) for pattern in statement["Resource"])
    return not any(pattern_matches(pattern, arn) for pattern in statement["NotResource"])


def test_dev_min_policy_denies_a_put_without_if_none_match_on_truth(dev_min_profile: Profile) -> None:
    policies = _policies(dev_min_profile)
    store = _statement(policies["object_store"], "DenyOverwriteOfWriteOnce")
    assert (store["Effect"], store["Principal"], store["Action"]) == ("Deny", "*", ["s3:PutObject"])
    assert store["Condition"] == WRITE_ONCE_CONDITION
    bucket = "fp-dev-min-object-store"
    assert store["Resource"] == [
        f"arn:aws:s3:::{bucket}/oracle-store/*",
        f"arn:aws:s3:::{bucket}/fraud-platform/*/sr/run_plan/*",
        f"arn:aws:s3:::{bucket}/fraud-platform/*/sr/run_record/*",
        f"arn:aws:s3:::{bucket}/fraud-platform/*/sr/run_facts_view/*",
        f"arn:aws:s3:::{bucket}/fraud-platform/*/sr/ready_signal/*",
        f"arn:aws:s3:::{bucket}/pointers/oracle/*/history/*",
    ]
    evidence = _statement(policies["evidence"], "DenyOverwriteOfWriteOnce")
    assert evidence["Condition"] == WRITE_ONCE_CONDITION
    assert "Resource" not in evidence  # the whole evidence bucket, less its two CAS documents
    assert evidence["NotResource"] == [
        "arn:aws:s3:::fp-dev-min-evidence/evidence/runs/*/preflight.json",
        "arn:aws:s3:::fp-dev-min-evidence/evidence/runs/*/telemetry.json",
    ]
    for policy in policies.values():
        move = _statement(policy, "DenyUnconditionalMove")
        assert move["Condition"] == {
            "Null": {"s3:if-match": "true", "s3:if-none-match": "true"},
            "Bool": {"s3:ObjectCreationOperation": "true"},
        }


def test_the_scopes_match_what_the_code_writes_once_and_spare_what_it_moves(
    dev_min_profile: Profile,
) -> None:
    """Judged on the keys the SR ledger, the pointer and run evidence really use, so layouts cannot drift."""
    policies = _policies(dev_min_profile)
    os_bucket, ev_bucket = "fp-dev-min-object-store", "fp-dev-min-evidence"
    ledger = SrLedger(None, os_bucket, RUN, SCENARIO_RUN)  # type: ignore[arg-type]  # locations only
    run = RunEvidence(ev_bucket, RUN)
    write_once = {
        "object_store": [
            "oracle-store/local_parity/abc/_SEALED.json",
            "oracle-store/ns/run/stream_view/ts_utc/output_id=x/part-000000.parquet",
            ledger.plan_location.key,
            ledger.records_prefix.child("000001.json").key,
            ledger.facts_view_location.key,
            ledger.ready_signal_location.key,
            history_location(os_bucket, "dev_min", 3).key,
        ],
        "evidence": [
            run.run_manifest.key,
            run.fact("RUN_MINTED", "e1").key,
            run.preflight_attempts.child("000001.json").key,
            run.telemetry_parts.child("000001.json").key,
        ],
    }
    moved = {
        "object_store": [ledger.status_location.key, pointer_location(os_bucket, "dev_min").key],
        "evidence": [run.preflight.key, run.telemetry_rollup.key],
    }
    names = {"object_store": os_bucket, "evidence": ev_bucket}
    for kind, policy in policies.items():
        deny = _statement(policy, "DenyOverwriteOfWriteOnce")
        move = _statement(policy, "DenyUnconditionalMove")
        for key in write_once[kind]:
            assert _covered(deny, names[kind], key), key
        for key in moved[kind]:
            assert not _covered(deny, names[kind], key), key  # If-Match must stay possible
            assert _covered(move, names[kind], key), key  # but a blind put is refused
        # Run data that is neither (WSP checkpoints, IG receipts) is the writers' business.
    wsp = f"fraud-platform/{RUN}/wsp/checkpoint.json"
    assert not _covered(_statement(policies["object_store"], "DenyOverwriteOfWriteOnce"), os_bucket, wsp)


def test_object_store_scopes_hold_no_cas_document_and_the_probe_sits_in_scope() -> None:
    # The object store's statement uses Resource, which cannot carve out an exception: a CAS document
    # inside a write-once folder would become unmovable. The evidence bucket uses NotResource instead.
    for scope in WRITE_ONCE_SCOPES[OS]:
        for document in CAS_DOCUMENTS[OS]:
            example = document.replace("*", "x")
            assert not pattern_matches(scope + "*", example), (scope, document)
    assert WRITE_ONCE_SCOPES[EV] == ("",)
    for kind in BucketKind:
        key = write_once_probe_key(kind, "n0nce")
        assert "_bootstrap_probe/" in key and ".n0nce." in key
        assert any(pattern_matches(scope + "*", key) for scope in WRITE_ONCE_SCOPES[kind])
        assert not any(pattern_matches(document, key) for document in CAS_DOCUMENTS[kind])


@pytest.mark.parametrize("kind", list(BucketKind))
def test_the_seaweedfs_dialect_renders_no_write_once_deny(kind: BucketKind) -> None:
    # SeaweedFS cannot evaluate s3:if-none-match; rendering the deny there would either be refused or
    # read as always-true and block every write. Locally it is UNSUPPORTED_LOCALLY (and versioned).
    policy = render_bucket_policy(kind, "b", dialect=PolicyDialect.SEAWEEDFS, profile="local_parity")
    assert {s["Sid"] for s in policy["Statement"]} == {
        "DenyDeleteOutsideDeletable",
        "DenyDeleteExceptOperator",
    }


def test_local_plan_names_the_gap_and_versions_the_object_store(
    local_profile: Profile, dev_min_profile: Profile
) -> None:
    local = build_plan(local_profile)
    gaps = {gap["control"]: gap["why"] for gap in local["local_gaps"]}
    assert "s3:if-none-match" in gaps["store_enforced_write_once"]
    assert {bucket["kind"]: bucket["versioning"] for bucket in local["buckets"]} == {
        "object_store": "Enabled",
        "evidence": "Enabled",
    }
    managed = build_plan(dev_min_profile)
    assert {bucket["kind"]: bucket["versioning"] for bucket in managed["buckets"]} == {
        "object_store": "Suspended",
        "evidence": "Enabled",
    }


class _Store:
    """Just enough of an object store for the write-once probe; `refuse` plays the AWS bucket policy."""

    def __init__(self, *, refuse: bool) -> None:
        self.refuse = refuse
        self.objects: dict[str, bytes] = {}

    def put_if_absent(self, location: Any, data: bytes) -> None:
        self.objects.setdefault(location.key, data)

    def get_with_etag(self, location: Any) -> tuple[bytes, str]:
        return self.objects[location.key], '"e1"'

    def put_if_match(self, location: Any, data: bytes, etag: str) -> str:
        if self.refuse:
            raise FailClosed(OBJECT_ACCESS_DENIED, "denied by bucket policy")
        self.objects[location.key] = data
        return '"e2"'

    def get(self, location: Any) -> bytes:
        return self.objects[location.key]


class _Ports:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def store(self, role: str) -> _Store:
        assert role == "operator"  # the deny binds every principal, the operator included
        return self._store


@pytest.mark.parametrize(
    ("refuse", "verdict", "observed"), [(True, "PASS", "refused"), (False, "FAIL", "overwritten")]
)
def test_on_aws_only_a_refused_overwrite_passes(refuse: bool, verdict: str, observed: str) -> None:
    store = _Store(refuse=refuse)
    check = write_once_check(
        _Ports(store),  # type: ignore[arg-type]
        OS,
        "fp-dev-min-object-store",
        "n0nce",
        local=False,
        versioning="Suspended",
    )
    assert (check.verdict.value, check.observed, check.check) == (verdict, observed, "write_once")
    assert list(store.objects) == [write_once_probe_key(OS, "n0nce")]


def test_locally_an_unversioned_overwrite_is_reported_as_lost_never_passed() -> None:
    check = write_once_check(
        _Ports(_Store(refuse=False)),  # type: ignore[arg-type]
        OS,
        "fp-object-store",
        "n0nce",
        local=True,
        versioning="Suspended",
    )
    assert check.verdict.value == "UNSUPPORTED_LOCALLY"
    assert "the original bytes are gone" in check.detail
