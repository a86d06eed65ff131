"""Evidence before READY: the Oracle consumer check, and what its outcome means for a run.

SR never re-reads or re-hashes data itself: it calls the Oracle's consumer check (`oracle.check_pack`,
the one sanctioned cross-component call), which trusts the seal, the landing manifest (by its root
digest), the gates (recomputed over the small validation bundles) and each view's closure receipt
(parts checked by HEAD against their recorded SHA-256). A run policy with `sr.deep_check: true`
asks the check to re-hash every landed source byte and view part instead (default off: it reads the
whole view). The locators READY and `bundle_hash` carry come from the check: per output the
committed attempt, the receipt and the view manifest by path and SHA-256. What SR adds is the verdict:

- **READY**: the check passed for exactly the intended outputs;
- **WAITING_EVIDENCE**: every failure is something that may still appear (no seal yet, a gate flag or
  a stream view not yet built): the run waits until its deadline, then FAILED;
- **QUARANTINED**: anything else is evidence contradicting its digests (a tampered gate, a landing
  or view that changed after its commit, a pack bound to another world): it never becomes READY;
- a refusal (raised, state unchanged): SR cannot even look (access denied, no bucket, bad root).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.check import ACCESS_CODES, NOT_YET_CODES, CheckReport, PackRoot, check_pack
from fraud_platform.sr._reasons import ORACLE_STREAM_VIEW_ROOT_INVALID
from fraud_platform.sr.documents import EvidenceFailure
from fraud_platform.sr.identity import bundle_hash
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = [
    "MISSING_CODES",
    "REFUSAL_CODES",
    "EvidenceVerdict",
    "Verdict",
    "classify_report",
    "deep_check_requested",
    "evaluate_evidence",
]

MISSING_CODES = NOT_YET_CODES
"""Failures that may resolve themselves (something not written *yet*): the run waits."""

REFUSAL_CODES = ACCESS_CODES
"""Failures that say nothing about the pack but about SR's access to it: refused, state unchanged."""


class Verdict(enum.StrEnum):
    READY = "READY"
    WAITING = "WAITING"
    CONFLICT = "CONFLICT"


@dataclass(frozen=True)
class EvidenceVerdict:
    """The check's outcome for one run, with everything the facts view needs when READY."""

    verdict: Verdict
    failures: tuple[EvidenceFailure, ...]
    report: CheckReport
    bundle_hash: str | None = None
    locators: tuple[dict[str, Any], ...] = ()

    @property
    def first_code(self) -> str | None:
        return self.failures[0].code if self.failures else None

    def check_summary(self) -> dict[str, Any]:
        """What the facts view records about the check: by reference, no data."""
        return {
            "check": "fraud_platform.oracle.check_pack",
            "code": self.report.code,
            "root": self.report.root,
            "scenario_id": self.report.scenario_id,
            "outputs": list(self.report.outputs),
            "gates_passed": len(self.report.gate_receipts),
            "deep": self.report.deep,
            "trusted": list(self.report.trusted),
        }


def deep_check_requested(policy: dict[str, Any]) -> bool:
    """Whether the run policy asks for the deep check (`{"sr": {"deep_check": true}}`; default off)."""
    sr_policy = policy.get("sr")
    return isinstance(sr_policy, dict) and sr_policy.get("deep_check") is True


def _locators(report: CheckReport, outputs: Sequence[str]) -> tuple[dict[str, Any], ...]:
    """Location-free locators of the committed attempts (paths under the root, SHA-256), by output."""
    wanted = set(outputs)
    return tuple(item for item in report.locators() if item["output_id"] in wanted)


def _uris(ref: dict[str, Any]) -> list[str]:
    return [str(ref["receipt_uri"]), str(ref["view_manifest_uri"])]


def _views_under(report: CheckReport, stream_view_root: str | None) -> None:
    if stream_view_root is None:
        return
    outside = sorted(
        out
        for out, view in report.stream_views.items()
        if not all(uri.startswith(stream_view_root) for uri in _uris(view.ready_ref()))
    )
    if outside:
        raise FailClosed(
            ORACLE_STREAM_VIEW_ROOT_INVALID,
            f"stream views of {outside} lie outside the pinned stream-view root {stream_view_root}",
            {"stream_view_root": stream_view_root, "outputs": outside},
        )


def evaluate_evidence(
    store: ObjectStore,
    pack_root: str,
    scenario_id: str,
    outputs: Sequence[str],
    policy: dict[str, Any],
    stream_view_root: str | None = None,
) -> EvidenceVerdict:
    """Run the consumer check and classify it. Read-only; raises for refusals and transient trouble."""
    deep = deep_check_requested(policy)
    report = check_pack(store, PackRoot.parse(pack_root), scenario_id, list(outputs), deep=deep)
    return classify_report(report, outputs, policy, stream_view_root)


def classify_report(
    report: CheckReport,
    outputs: Sequence[str],
    policy: dict[str, Any],
    stream_view_root: str | None = None,
) -> EvidenceVerdict:
    """The verdict of a check report (module docstring); READY carries the bundle hash and locators."""
    failures = tuple(
        EvidenceFailure(code=f.code, subject=f.subject, detail=f.detail) for f in report.failures
    )
    if not failures:
        _views_under(report, stream_view_root)
        locators = _locators(report, outputs)
        digest = bundle_hash(locators, list(report.gate_receipts), policy)
        return EvidenceVerdict(Verdict.READY, (), report, digest, locators)
    refusal = next((f for f in failures if f.code in REFUSAL_CODES), None)
    if refusal is not None:
        raise FailClosed(
            refusal.code,
            f"SR cannot check the pack: {refusal.subject}: {refusal.detail}",
            {"root": report.root, "failures": [f.model_dump() for f in failures]},
        )
    if all(f.code in MISSING_CODES for f in failures):
        return EvidenceVerdict(Verdict.WAITING, failures, report)
    conflicts = tuple(f for f in failures if f.code not in MISSING_CODES)
    rest = tuple(f for f in failures if f.code in MISSING_CODES)
    return EvidenceVerdict(Verdict.CONFLICT, conflicts + rest, report)
