"""Verifying a READY before a single row is read: the facts view, the policy and the Oracle pack.

A READY is only a claim. WSP streams it when, and only when:
1. the facts view it references lives exactly where SR's ledger keeps it for *these* run ids, parses
   as a facts view, and agrees with READY field by field (both run ids, message_id, bundle_hash,
   run_config_digest, world key, pack reference including every stream-view locator, outputs);
2. `run_config_digest` recomputes from `sr.policy.effective_policy` on this WSP's profile (the same
   run means the same policy here), and the facts view's own policy document has that digest;
3. `bundle_hash` recomputes from the facts view's locators, gate receipts and policy;
4. the Oracle consumer check passes on the pack READY names for its scenario and outputs, with the
   same oracle_pack_id and world key.
Any failure is a FailClosed with its own code; the caller turns it into a REJECTED outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.eb.envelope import route_for
from fraud_platform.oracle.check import check_pack
from fraud_platform.sr.documents import FactsView
from fraud_platform.sr.messages import ControlMessage, WorldKey
from fraud_platform.sr.policy import effective_policy
from fraud_platform.substrate._reasons import OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.wsp._reasons import (
    WSP_BUNDLE_HASH_MISMATCH,
    WSP_FACTS_VIEW_MISMATCH,
    WSP_FACTS_VIEW_UNREADABLE,
    WSP_OUTPUT_UNROUTED,
    WSP_PACK_CHECK_FAILED,
    WSP_RUN_CONFIG_MISMATCH,
)
from fraud_platform.wsp.locator import ViewRef, parse_view_ref

__all__ = ["VerifiedReady", "verify_ready"]


@dataclass(frozen=True)
class VerifiedReady:
    """A READY WSP may stream: its ids, its world and exactly the views it names, in output order."""

    message_id: str
    platform_run_id: str
    scenario_run_id: str
    world_key: WorldKey
    pack_root: str
    views: tuple[ViewRef, ...]


def verify_ready(store: ObjectStore, profile: Profile, control: ControlMessage) -> VerifiedReady:
    """Check READY against its facts view, the policy and the Oracle pack; FailClosed on any mismatch."""
    ready = control.payload
    view = _read_facts_view(
        store, profile, ready.facts_view_ref, ready.platform_run_id, ready.scenario_run_id
    )
    pack_ref = ready.oracle_pack_ref.model_dump(mode="json")
    disagreements = [
        name
        for name, in_ready, in_view in (
            ("platform_run_id", ready.platform_run_id, view.platform_run_id),
            ("scenario_run_id", ready.scenario_run_id, view.scenario_run_id),
            ("message_id", control.message_id, view.message_id),
            ("bundle_hash", ready.bundle_hash, view.bundle_hash),
            ("run_config_digest", ready.run_config_digest, view.run_config_digest),
            ("world_key", ready.world_key.model_dump(mode="json"), view.world_key),
            ("oracle_pack_ref", pack_ref, view.oracle_pack_ref),
            ("intended_outputs", list(ready.intended_outputs), list(view.intended_outputs)),
            ("emitted_at_utc", ready.emitted_at_utc, view.emitted_at_utc),
        )
        if in_ready != in_view
    ]
    if disagreements:
        raise FailClosed(
            WSP_FACTS_VIEW_MISMATCH,
            f"READY disagrees with its facts view on {disagreements}",
            {"facts_view_ref": ready.facts_view_ref, "fields": disagreements},
        )
    outputs = list(ready.intended_outputs)
    unrouted = [output_id for output_id in outputs if route_for(output_id) is None]
    if unrouted:
        raise FailClosed(WSP_OUTPUT_UNROUTED, f"READY names outputs without an event route: {unrouted}")
    expected_digest = sha256_hex(canonical_bytes(effective_policy(profile, outputs)))
    if (
        ready.run_config_digest != expected_digest
        or sha256_hex(canonical_bytes(view.policy)) != expected_digest
    ):
        raise FailClosed(
            WSP_RUN_CONFIG_MISMATCH,
            "run_config_digest does not recompute from the effective policy on this profile",
            {"ready": ready.run_config_digest, "recomputed": expected_digest},
        )
    if _bundle_hash(view.locators, view.gate_receipts, view.policy) != ready.bundle_hash:
        raise FailClosed(
            WSP_BUNDLE_HASH_MISMATCH,
            "bundle_hash does not recompute from the facts view",
            {"bundle_hash": ready.bundle_hash},
        )
    refs = _view_refs(ready.oracle_pack_ref.pack_root, ready.oracle_pack_ref.stream_views, outputs)
    _check_pack(store, control, refs)
    return VerifiedReady(
        message_id=control.message_id,
        platform_run_id=ready.platform_run_id,
        scenario_run_id=ready.scenario_run_id,
        world_key=ready.world_key,
        pack_root=ready.oracle_pack_ref.pack_root,
        views=tuple(refs[output_id] for output_id in sorted(outputs)),
    )


def _read_facts_view(
    store: ObjectStore, profile: Profile, uri: str, platform_run_id: str, scenario_run_id: str
) -> FactsView:
    expected = S3Location(
        profile.object_store.object_store_bucket,
        f"fraud-platform/{platform_run_id}/sr/run_facts_view/{scenario_run_id}.json",
    )
    if uri != expected.uri:
        raise FailClosed(
            WSP_FACTS_VIEW_UNREADABLE,
            "READY's facts_view_ref is not its run's facts view in this profile's bucket",
            {"facts_view_ref": uri, "expected": expected.uri},
        )
    try:
        data = store.get(expected)
    except PlatformError as error:
        if error.code != OBJECT_MISSING:
            raise
        raise FailClosed(
            WSP_FACTS_VIEW_UNREADABLE, f"no facts view at {uri}", {"facts_view_ref": uri}
        ) from error
    try:
        return FactsView.model_validate_json(data)
    except ValueError as error:
        raise FailClosed(
            WSP_FACTS_VIEW_UNREADABLE, f"{uri} is not a facts view", {"facts_view_ref": uri}
        ) from error


def _bundle_hash(
    locators: list[dict[str, Any]], gate_receipts: list[dict[str, Any]], policy: dict[str, Any]
) -> str:
    """CONTRACTS.md: sha256(cj1 {locators sorted by output_id, gate receipts sorted by gate_id, policy})."""
    body = {
        "locators": sorted(locators, key=lambda item: str(item.get("output_id"))),
        "gate_receipts": sorted(gate_receipts, key=lambda item: str(item.get("gate_id"))),
        "policy": policy,
    }
    return sha256_hex(canonical_bytes(body))


def _view_refs(pack_root: str, stream_views: Mapping[str, Any], outputs: list[str]) -> dict[str, ViewRef]:
    if sorted(stream_views) != sorted(outputs):
        raise FailClosed(
            WSP_FACTS_VIEW_MISMATCH,
            "READY's stream views are not exactly its intended outputs",
            {"stream_views": sorted(stream_views), "intended_outputs": sorted(outputs)},
        )
    return {output_id: parse_view_ref(pack_root, output_id, stream_views[output_id]) for output_id in outputs}


def _check_pack(store: ObjectStore, control: ControlMessage, refs: Mapping[str, ViewRef]) -> None:
    ready = control.payload
    outputs = sorted(refs)
    report = check_pack(store, ready.oracle_pack_ref.pack_root, ready.world_key.scenario_id, outputs)
    if not report.ok:
        first = report.failures[0]
        raise FailClosed(
            WSP_PACK_CHECK_FAILED,
            f"the Oracle consumer check refuses the pack: {first.code} {first.subject}: {first.detail}",
            {"check_code": first.code, "failures": [failure.to_json() for failure in report.failures]},
        )
    problems: list[str] = []
    if report.oracle_pack_id != ready.oracle_pack_ref.oracle_pack_id:
        problems.append("oracle_pack_id")
    if report.world_key != ready.world_key.model_dump(mode="json"):
        problems.append("world_key")
    for output_id in outputs:
        if not refs[output_id].matches_check(report.stream_views.get(output_id)):
            problems.append(f"stream view {output_id}")
    if problems:
        raise FailClosed(
            WSP_PACK_CHECK_FAILED, f"READY differs from the checked pack on {problems}", {"fields": problems}
        )
