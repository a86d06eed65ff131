"""Evidence verdicts from a consumer-check report, and the READY message rebuilt from a facts view."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.check import CheckFailure, CheckReport, ViewLocator
from fraud_platform.sr.documents import FactsView, RunFlags
from fraud_platform.sr.evidence import Verdict, classify_report, deep_check_requested
from fraud_platform.sr.identity import ready_message_id
from fraud_platform.sr.messages import ready_json_schema
from fraud_platform.sr.ready import build_ready_message, ready_message_bytes

ROOT = "s3://fp-object-store/oracle-store/local_parity/0123456789abcdef0123456789abcdef/"
OUTPUTS = ("arrival_events_5B", "s2_event_stream_baseline_6B")
WORLD = {
    "manifest_fingerprint": "1" * 64,
    "parameter_hash": "2" * 64,
    "seed": 42,
    "scenario_id": "baseline_v1",
}
RECEIPTS = (
    {
        "gate_id": "gate.layer1.1A.validation",
        "status": "PASS",
        "digest": None,
        "flag_path": "data/x/_passed.flag",
    },
)


def _locator(output_id: str, attempt_id: str = "a1" * 8, receipt_sha256: str = "5" * 64) -> ViewLocator:
    return ViewLocator(
        output_id=output_id,
        stream_view_id="7" * 64,
        attempt_id=attempt_id,
        root=ROOT,
        view_dir=f"stream_view/ts_utc/output_id={output_id}/",
        receipt_sha256=receipt_sha256,
        view_manifest_name=f"attempt={attempt_id}/_stream_view_manifest.json",
        view_manifest_sha256="6" * 64,
        parts=1,
        rows=10,
        bytes=100,
    )


def _report(*failures: tuple[str, str]) -> CheckReport:
    views = {} if failures else {o: _locator(o) for o in OUTPUTS}
    return CheckReport(
        root=ROOT,
        scenario_id="baseline_v1",
        outputs=OUTPUTS,
        failures=tuple(CheckFailure(code, subject, "detail") for code, subject in failures),
        oracle_pack_id="c" * 64,
        world_key=WORLD,
        gate_receipts=RECEIPTS,
        stream_views=views,
    )


def test_a_clean_report_is_ready_with_location_free_locators() -> None:
    verdict = classify_report(_report(), OUTPUTS, {"p": 1})
    assert verdict.verdict is Verdict.READY and verdict.bundle_hash is not None
    assert [loc["output_id"] for loc in verdict.locators] == sorted(OUTPUTS)
    assert all("s3://" not in json.dumps(loc) for loc in verdict.locators)
    moved = CheckReport(**{**_report().__dict__, "root": ROOT.replace("fp-object-store", "shadow-bucket")})
    assert classify_report(moved, OUTPUTS, {"p": 1}).bundle_hash == verdict.bundle_hash


@pytest.mark.parametrize(
    "change", [{"attempt_id": "b2" * 8}, {"receipt_sha256": "9" * 64}], ids=["attempt", "receipt"]
)
def test_the_bundle_hash_binds_the_committed_attempt_and_its_receipt(change: dict[str, str]) -> None:
    report = _report()
    first = OUTPUTS[0]
    other = dataclasses.replace(
        report, stream_views={**report.stream_views, first: _locator(first, **change)}
    )
    before, after = classify_report(report, OUTPUTS, {}), classify_report(other, OUTPUTS, {})
    assert before.bundle_hash != after.bundle_hash
    locator = next(loc for loc in after.locators if loc["output_id"] == first)
    assert set(change.items()) <= set(locator.items())
    assert locator["receipt_path"] == f"stream_view/ts_utc/output_id={first}/_stream_sort_receipt.json"


@pytest.mark.parametrize(
    "failures",
    [
        (("STREAM_VIEW_MISSING", "arrival_events_5B"),),
        (("PACK_NOT_SEALED", ROOT),),
        (("GATE_MISSING", "gate.layer3.6B.validation"), ("STREAM_VIEW_MISSING", "arrival_events_5B")),
    ],
)
def test_only_missing_evidence_waits(failures: tuple[tuple[str, str], ...]) -> None:
    verdict = classify_report(_report(*failures), OUTPUTS, {})
    assert verdict.verdict is Verdict.WAITING
    assert verdict.first_code == failures[0][0]


@pytest.mark.parametrize(
    "failures",
    [
        (("GATE_CONFLICT", "gate.layer3.6B.validation"),),
        (("STREAM_VIEW_MISSING", "arrival_events_5B"), ("ORACLE_VERIFY_FAILED", "gates")),
        (("STREAM_VIEW_PARTS_MISSING", "arrival_events_5B"),),
        (("SOMETHING_NEW", "x"),),
        (("PACK_SEAL_FAILED", ROOT),),
    ],
)
def test_anything_else_is_a_conflict_listed_first(failures: tuple[tuple[str, str], ...]) -> None:
    verdict = classify_report(_report(*failures), OUTPUTS, {})
    assert verdict.verdict is Verdict.CONFLICT
    assert verdict.first_code not in ("STREAM_VIEW_MISSING", "GATE_MISSING")


def test_access_trouble_is_a_refusal_not_a_verdict() -> None:
    with pytest.raises(FailClosed) as caught:
        classify_report(_report(("STREAM_VIEW_MISSING", "a"), ("OBJECT_ACCESS_DENIED", ROOT)), OUTPUTS, {})
    assert caught.value.code == "OBJECT_ACCESS_DENIED"


def test_views_outside_the_pinned_stream_view_root_are_refused() -> None:
    with pytest.raises(FailClosed) as caught:
        classify_report(_report(), OUTPUTS, {}, stream_view_root=ROOT + "elsewhere/")
    assert caught.value.code == "ORACLE_STREAM_VIEW_ROOT_INVALID"
    assert (
        classify_report(_report(), OUTPUTS, {}, stream_view_root=ROOT + "stream_view/").verdict
        is Verdict.READY
    )


def _view(**overrides: Any) -> FactsView:
    verdict = classify_report(_report(), OUTPUTS, {"p": 1})
    assert verdict.bundle_hash is not None
    prid, srid = "platform_20260101T000000Z", "d" * 32
    fields: dict[str, Any] = {
        "platform_run_id": prid,
        "scenario_run_id": srid,
        "run_config_digest": "e" * 64,
        "bundle_hash": verdict.bundle_hash,
        "message_id": ready_message_id(prid, srid, verdict.bundle_hash),
        "world_key": WORLD,
        "oracle_pack_ref": verdict.report.pack_ref(),
        "intended_outputs": list(OUTPUTS),
        "locators": list(verdict.locators),
        "gate_receipts": list(RECEIPTS),
        "policy": {"p": 1},
        "plan_ref": "s3://b/fraud-platform/x/sr/run_plan/d.json",
        "evidence_check": verdict.check_summary(),
        "emitted_at_utc": "2026-01-01T00:00:02.000000Z",
        "flags": RunFlags(profile="local_parity", rehearsal=False),
    }
    return FactsView(**{**fields, **overrides})


def test_the_ready_message_is_a_pure_function_of_the_facts_view_and_matches_its_schema() -> None:
    view = _view()
    first = build_ready_message(view, "s3://b/fraud-platform/x/sr/run_facts_view/d.json")
    again = build_ready_message(
        FactsView.model_validate(view.model_dump(mode="json")), first.payload.facts_view_ref
    )
    assert ready_message_bytes(first) == ready_message_bytes(again)
    document = json.loads(ready_message_bytes(first))
    jsonschema.validate(document, ready_json_schema())
    assert document["kind"] == "READY" and document["message_id"] == view.message_id
    views = document["payload"]["oracle_pack_ref"]["stream_views"]
    assert views.keys() == set(OUTPUTS) and document["payload"]["schema_version"] == "fp.sr.ready.v2"
    for output_id, ref in views.items():
        assert (
            ref["receipt_uri"] == f"{ROOT}stream_view/ts_utc/output_id={output_id}/_stream_sort_receipt.json"
        )
        assert ref["view_manifest_uri"].endswith(f"/attempt={ref['attempt_id']}/_stream_view_manifest.json")
        assert ref["receipt_sha256"] == "5" * 64
    assert ready_message_bytes(first) == canonical_bytes(document)


def test_a_v1_folder_locator_no_longer_validates() -> None:
    document = json.loads(ready_message_bytes(build_ready_message(_view(), "s3://b/x.json")))
    document["payload"]["oracle_pack_ref"]["stream_views"][OUTPUTS[0]] = f"{ROOT}stream_view/"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, ready_json_schema())


def test_a_facts_view_whose_message_id_does_not_recompute_is_refused() -> None:
    with pytest.raises(FailClosed) as caught:
        build_ready_message(_view(message_id="f" * 64), "s3://b/x.json")
    assert caught.value.code == "FACTS_VIEW_CONFLICT"


def test_an_extra_field_breaks_the_ready_schema() -> None:
    document = json.loads(ready_message_bytes(build_ready_message(_view(), "s3://b/x.json")))
    document["payload"]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, ready_json_schema())


@pytest.mark.parametrize(
    ("policy", "deep"),
    [
        ({}, False),
        ({"sr": {"gate_posture": "no_pass_no_read"}}, False),
        ({"sr": {"deep_check": "yes"}}, False),
        ({"sr": {"deep_check": True}}, True),
    ],
)
def test_only_an_explicit_true_policy_flag_asks_for_the_deep_check(
    policy: dict[str, Any], deep: bool
) -> None:
    assert deep_check_requested(policy) is deep
