"""The rules of the four acceptance statements, applied to their evidence documents (pure, no I/O).

Why one place: the lane judges the documents it is about to write, and `fp run verify` judges the
same documents read back from the bundle, so the rule cannot drift between the two. Each judge
returns the problems it finds (empty: the statement holds). Re-reading the pack and the receipts
behind a document is `recheck`'s job; this module only asks whether the document, as written,
proves its statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.oracle.sort.closure.receipt import SideSummary, ViewPart, closure_problems

__all__ = [
    "DOWNSTREAM_PARITY",
    "GATES_PASSING",
    "JUDGES",
    "LANDED_TRUTH",
    "STATEMENT_FILES",
    "STREAM_CLOSURE",
    "judge_gates",
    "judge_landed",
    "judge_parity",
    "judge_stream_closure",
    "receipt_digest",
]

LANDED_TRUTH = "landed_truth_continuity"
STREAM_CLOSURE = "stream_view_closure"
GATES_PASSING = "gates_passing"
DOWNSTREAM_PARITY = "downstream_parity"
STATEMENT_FILES = {
    LANDED_TRUTH: "statement_landed_truth.json",
    STREAM_CLOSURE: "statement_stream_closure.json",
    GATES_PASSING: "statement_gates.json",
    DOWNSTREAM_PARITY: "statement_downstream_parity.json",
}
"""Each statement's evidence file in the bundle, in the order the report shows them."""

Doc = Mapping[str, Any]


def receipt_digest(receipt: Mapping[str, Any]) -> str:
    """A gate receipt's identity: sha256 of its cj1 canonical bytes."""
    return sha256_hex(canonical_bytes(dict(receipt)))


def judge_landed(doc: Doc) -> list[str]:
    """`fp oracle verify` passed on the pack, and the landing's root digest is the one the seal binds."""
    found: list[str] = []
    verify, landing, seal = doc.get("oracle_verify", {}), doc.get("landing_manifest", {}), doc.get("seal", {})
    if verify.get("ok") is not True or verify.get("code") != "OK" or verify.get("problems"):
        found.append(f"fp oracle verify did not pass on the pack: {verify.get('code')}")
    if verify.get("files") != landing.get("file_count"):
        found.append(
            f"oracle verify read {verify.get('files')} files, the landing holds {landing.get('file_count')}"
        )
    if not landing.get("root_digest") or landing.get("root_digest") != seal.get("landing_root_digest"):
        found.append("the landing manifest's root digest is not the one the seal binds")
    if seal.get("seal_status") != "SEALED_OK":
        found.append(f"the seal says {seal.get('seal_status')}")
    return found


def judge_stream_closure(doc: Doc) -> list[str]:
    """Every streamed view's receipt facts satisfy the Oracle's closure rule (raw = sorted, in order)."""
    views = doc.get("views", {})
    if not views:
        return ["no streamed view is named"]
    found: list[str] = []
    for output_id, view in sorted(views.items()):
        try:
            raw, ordered = SideSummary.model_validate(view["raw"]), SideSummary.model_validate(view["sorted"])
            parts = [ViewPart.model_validate(part) for part in view["parts"]]
        except (KeyError, TypeError, ValidationError) as error:
            found.append(f"{output_id}: the receipt facts are malformed ({type(error).__name__})")
            continue
        found += [f"{output_id}: {problem}" for problem in closure_problems(raw, ordered, parts)]
        if ordered.ordered_digest is None:
            found.append(f"{output_id}: no ordered digest pins the view's order")
    return found


def judge_gates(doc: Doc) -> list[str]:
    """Every gate the outputs need has a receipt, by hash, and every receipt says PASS."""
    receipts = doc.get("receipts", [])
    if not receipts:
        return ["no gate receipt is recorded"]
    found: list[str] = []
    for entry in receipts:
        receipt = entry.get("receipt", {})
        if entry.get("receipt_sha256") != receipt_digest(receipt):
            found.append(f"{receipt.get('gate_id')}: the receipt does not hash to its recorded sha256")
        if receipt.get("status") != "PASS":
            found.append(f"{receipt.get('gate_id')}: {receipt.get('status')}")
    required = {gate.gate_id for gate in load_catalogue().gates_for_outputs(doc.get("outputs", []))}
    named = {entry.get("receipt", {}).get("gate_id") for entry in receipts}
    if required - named:
        found.append(f"gates required but not recorded: {sorted(required - named)}")
    return found


def judge_parity(doc: Doc) -> list[str]:
    """Admitted = min(cap, view rows) per output, and every sampled event id was found admitted."""
    outputs = doc.get("outputs", {})
    if not outputs:
        return ["no output is named"]
    found: list[str] = []
    cap = int(doc.get("cap", -1))
    for output_id, row in sorted(outputs.items()):
        expected = min(cap, int(row.get("view_rows", -1)))
        if row.get("admitted") != expected:
            found.append(
                f"{output_id}: admitted {row.get('admitted')} != min(cap {cap}, view rows {row.get('view_rows')})"
            )
        if row.get("on_topic") != row.get("admitted"):
            found.append(f"{output_id}: {row.get('on_topic')} on the topic, {row.get('admitted')} admitted")
        sample = row.get("sample", [])
        if not sample and expected > 0:
            found.append(f"{output_id}: no event id was sampled")
        missing = [item["row"] for item in sample if item.get("admitted") is not True]
        if missing:
            found.append(f"{output_id}: sampled rows {missing[:5]} have no admitted receipt")
    return found


JUDGES: dict[str, Callable[[Doc], list[str]]] = {
    LANDED_TRUTH: judge_landed,
    STREAM_CLOSURE: judge_stream_closure,
    GATES_PASSING: judge_gates,
    DOWNSTREAM_PARITY: judge_parity,
}
