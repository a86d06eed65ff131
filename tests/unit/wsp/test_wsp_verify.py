"""READY against its facts view, the policy and the Oracle check: each disagreement has its own code.

The Oracle consumer check is replaced by a stub here (the real one runs in the integration tests); the
facts view is a real `FactsView` document in a dict-backed store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fraud_platform.config import Profile, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.canonical import canonical_bytes, canonical_file_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.check import CheckFailure, CheckReport, ViewLocator
from fraud_platform.sr.messages import ControlMessage
from fraud_platform.sr.policy import effective_policy
from fraud_platform.wsp import verify as verify_module
from fraud_platform.wsp.ready import ready_message_id
from fraud_platform.wsp.verify import verify_ready

BUCKET = "fp-object-store"


def _profile(tmp_path: Path, ladder: list[int] | None = None) -> Profile:
    document = raw_profile("local_parity")
    document["object_store"]["endpoint_url"] = "http://127.0.0.1:1"
    document["bus"]["bootstrap"] = "127.0.0.1:2"
    document["state"] = {"dsn": f"sqlite:///{tmp_path}/state.sqlite"}
    document["ig"] = {"url": "http://127.0.0.1:3"}
    if ladder is not None:
        document["budgets"] = {**document["budgets"], "ladder": ladder}
    return profile_from_document(document, name="local_parity", env={}, fp_home=tmp_path)


def _locator(kit: Any) -> ViewLocator:
    return ViewLocator(
        output_id=kit.output,
        stream_view_id="e" * 64,
        attempt_id="a" * 16,
        root=kit.pack_root,
        view_dir=f"stream_view/ts_utc/output_id={kit.output}/",
        receipt_sha256="1" * 64,
        view_manifest_name="attempt=" + "a" * 16 + "/_stream_view_manifest.json",
        view_manifest_sha256="2" * 64,
        parts=1,
        rows=5,
        bytes=100,
    )


def _world(kit: Any) -> dict[str, Any]:
    return kit.world.model_dump(mode="json")


def _setup(kit: Any, store: Any, profile: Profile, *, tamper: str = "") -> ControlMessage:
    """A facts view and the READY SR would build from it (optionally with one field tampered)."""
    locator = _locator(kit)
    policy = effective_policy(profile, [kit.output])
    bundle = sha256_hex(
        canonical_bytes({"locators": [locator.bundle_locator()], "gate_receipts": [], "policy": policy})
    )
    if tamper == "bundle":
        bundle = "7" * 64
    pack_ref = {
        "oracle_pack_id": "3" * 64,
        "pack_root": kit.pack_root,
        "stream_views": {kit.output: locator.ready_ref()},
    }
    ref = f"s3://{BUCKET}/fraud-platform/{kit.platform_run}/sr/run_facts_view/{kit.scenario_run}.json"
    message_id = ready_message_id(kit.platform_run, kit.scenario_run, bundle)
    view = {
        "schema_version": "fp.sr.run_facts_view.v1",
        "platform_run_id": kit.platform_run,
        "scenario_run_id": kit.scenario_run,
        "run_config_digest": sha256_hex(canonical_bytes(policy)),
        "bundle_hash": bundle,
        "message_id": message_id,
        "world_key": _world(kit),
        "oracle_pack_ref": pack_ref,
        "intended_outputs": [kit.output],
        "locators": [locator.bundle_locator()],
        "gate_receipts": [],
        "policy": policy,
        "plan_ref": "s3://x/plan.json",
        "evidence_check": {},
        "emitted_at_utc": "2026-01-01T00:00:00.000000Z",
        "flags": {"profile": "local_parity", "rehearsal": False},
    }
    store.objects[ref] = canonical_file_bytes(view)
    ready = {**view, "facts_view_ref": ref}
    for key in (
        "schema_version",
        "message_id",
        "locators",
        "gate_receipts",
        "policy",
        "plan_ref",
        "evidence_check",
        "flags",
    ):
        ready.pop(key)
    if tamper == "facts_view_ref":
        ready["facts_view_ref"] = f"s3://{BUCKET}/elsewhere.json"
    if tamper == "pack_ref":
        ready["oracle_pack_ref"] = {**pack_ref, "oracle_pack_id": "4" * 64}
    return ControlMessage.model_validate(
        {
            "topic": "fp.bus.control.v1",
            "message_id": message_id,
            "published_at_utc": view["emitted_at_utc"],
            "kind": "READY",
            "payload": ready,
        }
    )


def _check(kit: Any, *, fail: bool = False, other_locator: bool = False) -> Any:
    def fake(store: Any, root: str, scenario_id: str, outputs: Any) -> CheckReport:
        failures = (CheckFailure("GATE_MISSING", "gate.x", "absent"),) if fail else ()
        locator = _locator(kit)
        if other_locator:
            locator = ViewLocator(**{**locator.__dict__, "attempt_id": "b" * 16})
        return CheckReport(
            root=root,
            scenario_id=scenario_id,
            outputs=tuple(outputs),
            failures=failures,
            oracle_pack_id="3" * 64,
            world_key=_world(kit),
            stream_views={} if fail else {kit.output: locator},
        )

    return fake


def test_a_consistent_ready_verifies(kit: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = kit.build_view([1]).store
    profile = _profile(tmp_path)
    monkeypatch.setattr(verify_module, "check_pack", _check(kit))
    verified = verify_ready(store, profile, _setup(kit, store, profile))
    assert [ref.output_id for ref in verified.views] == [kit.output]
    assert verified.views[0].view_manifest_sha256 == "2" * 64


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("facts_view_ref", "WSP_FACTS_VIEW_UNREADABLE"),
        ("missing_view", "WSP_FACTS_VIEW_UNREADABLE"),
        ("pack_ref", "WSP_FACTS_VIEW_MISMATCH"),
        ("bundle", "WSP_BUNDLE_HASH_MISMATCH"),
        ("other_ladder", "WSP_RUN_CONFIG_MISMATCH"),
        ("check_fails", "WSP_PACK_CHECK_FAILED"),
        ("check_other_attempt", "WSP_PACK_CHECK_FAILED"),
    ],
)
def test_each_disagreement_is_refused_with_its_code(
    kit: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, code: str
) -> None:
    store = kit.build_view([1]).store
    profile = _profile(tmp_path)
    message = _setup(
        kit, store, profile, tamper=case if case in ("facts_view_ref", "pack_ref", "bundle") else ""
    )
    if case == "missing_view":
        store.objects.pop(message.payload.facts_view_ref)
    if case == "other_ladder":
        profile = _profile(tmp_path, ladder=[5, 50])
    monkeypatch.setattr(
        verify_module,
        "check_pack",
        _check(kit, fail=case == "check_fails", other_locator=case == "check_other_attempt"),
    )
    with pytest.raises(FailClosed) as raised:
        verify_ready(store, profile, message)
    assert raised.value.code == code
