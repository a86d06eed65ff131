"""Gate verification: no PASS, no read.

A gate PASSes only when the digest recomputed from the bundle's bytes (by the gate's law) equals the
digest its `_passed.flag` claims; the presence of a flag alone never passes. Outcomes:

    PASS       digests equal; a portable receipt {gate_id, status, digest, flag_path, bundle_root}
    MISSING    the bundle, flag or index is absent, or a file the index lists is absent: wait
    CONFLICT   the flag or index is unparseable, or the digests differ: refuse and quarantine

An output is readable only when every gate it names and all their upstream gates PASS;
`verify_gates_for_outputs` takes that transitive closure and verifies each gate once. Receipts carry
paths relative to the run root, never URIs, so they mean the same on a folder and on any S3 root.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.engine._gate_methods import compute_digest, parse_flag
from fraud_platform.engine._paths import check_world_key
from fraud_platform.engine._reasons import GATE_CONFLICT, GATE_MISSING, OUTPUT_UNKNOWN, WORLD_OBJECT_MISSING
from fraud_platform.engine.catalogue import FLAG_NAME, EngineCatalogue, GateSpec, load_catalogue
from fraud_platform.engine.world import WorldReader

__all__ = [
    "GATE_RECEIPT_SCHEMA_NAME",
    "GateDigest",
    "GateReceipt",
    "GateResult",
    "GateStatus",
    "GateVerification",
    "packaged_gate_receipt_schema",
    "verify_gate",
    "verify_gates_for_outputs",
]

GATE_RECEIPT_SCHEMA_NAME = "gate_receipt.schema.json"


class GateStatus(StrEnum):
    """The outcome of verifying one gate."""

    PASS = "PASS"
    MISSING = "MISSING"
    CONFLICT = "CONFLICT"


class GateDigest(BaseModel):
    """A digest in the carried form of CONTRACTS.md: `{"algo": "sha256", "hex": <64 lowercase hex>}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    algo: Literal["sha256"] = "sha256"
    hex: str = Field(pattern=r"^[0-9a-f]{64}$")


class GateReceipt(BaseModel):
    """The portable gate receipt (a contract: its JSON Schema is `gate_receipt.schema.json`).

    `digest` is the recomputed digest (null when it could not be computed); `flag_path` and
    `bundle_root` are relative to the engine run root, so a receipt means the same on any root.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate_id: str = Field(pattern=r"^gate\.layer[0-9]+\.[0-9A-Z]+\.validation$")
    status: GateStatus
    digest: GateDigest | None
    flag_path: str = Field(pattern=r"^data/\S+/_passed\.flag$")
    bundle_root: str = Field(pattern=r"^data/\S+[^/]$")

    def to_json(self) -> dict[str, Any]:
        """The receipt as a cj1-ready mapping."""
        return self.model_dump(mode="json")


class GateResult(BaseModel):
    """A receipt plus why it is not a PASS (for people and for fail-closed errors; not portable)."""

    model_config = ConfigDict(frozen=True)

    receipt: GateReceipt
    detail: str = ""
    missing_paths: tuple[str, ...] = ()

    @property
    def status(self) -> GateStatus:
        return self.receipt.status

    @property
    def gate_id(self) -> str:
        return self.receipt.gate_id


def _result(
    gate: GateSpec,
    mf: str,
    status: GateStatus,
    digest: str | None,
    detail: str = "",
    missing: Iterable[str] = (),
) -> GateResult:
    receipt = GateReceipt(
        gate_id=gate.gate_id,
        status=status,
        digest=GateDigest(hex=digest) if digest is not None else None,
        flag_path=gate.flag_path(mf),
        bundle_root=gate.bundle_root(mf),
    )
    return GateResult(receipt=receipt, detail=detail, missing_paths=tuple(missing))


def packaged_gate_receipt_schema() -> dict[str, Any]:
    """The JSON Schema of `GateReceipt` shipped beside this module (kept equal to the model by a test)."""
    text = (
        resources.files("fraud_platform.engine")
        .joinpath(GATE_RECEIPT_SCHEMA_NAME)
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def verify_gate(
    reader: WorldReader, gate_id: str, manifest_fingerprint: str, *, catalogue: EngineCatalogue | None = None
) -> GateResult:
    """Verify one gate (not its upstream) by recomputing its digest from the world's bytes.

    Read-only and idempotent. Raises FailClosed(GATE_UNKNOWN) for an unknown gate and
    FailClosed(WORLD_KEY_INVALID) for a malformed manifest fingerprint; every gate outcome, including
    MISSING and CONFLICT, is returned rather than raised.
    """
    check_world_key("manifest_fingerprint", manifest_fingerprint)
    gate = (catalogue or load_catalogue()).gate(gate_id)
    mf = manifest_fingerprint
    bundle_root = gate.bundle_root(mf)
    listing = reader.list(bundle_root)
    if not listing:
        return _result(gate, mf, GateStatus.MISSING, None, "the validation bundle is absent", [bundle_root])
    flag_path = gate.flag_path(mf)
    if flag_path not in listing:
        return _result(gate, mf, GateStatus.MISSING, None, f"{FLAG_NAME} is absent", [flag_path])
    try:
        claimed = parse_flag(reader.read_bytes(flag_path), gate.flag_format, mf)
    except FailClosed as error:
        if error.code != WORLD_OBJECT_MISSING:
            raise
        return _result(gate, mf, GateStatus.MISSING, None, f"{FLAG_NAME} vanished while read", [flag_path])
    except ValueError as error:
        return _result(gate, mf, GateStatus.CONFLICT, None, f"{FLAG_NAME} is unparseable: {error}")
    computed = compute_digest(reader, gate, bundle_root, listing)
    if computed.problem is not None:
        status = GateStatus(computed.problem)
        return _result(gate, mf, status, computed.digest, computed.detail, computed.missing_paths)
    if computed.digest != claimed:
        detail = f"recomputed digest {computed.digest} differs from the flag's {claimed}"
        return _result(gate, mf, GateStatus.CONFLICT, computed.digest, detail)
    return _result(gate, mf, GateStatus.PASS, computed.digest)


class GateVerification(BaseModel):
    """The verdict on a set of outputs: one result per gate of their closure, in gate-map order."""

    model_config = ConfigDict(frozen=True)

    manifest_fingerprint: str
    output_ids: tuple[str, ...]
    results: tuple[GateResult, ...]
    output_gates: dict[str, tuple[str, ...]]

    @property
    def status(self) -> GateStatus:
        """CONFLICT if any gate conflicts, else MISSING if any is missing, else PASS."""
        return _worst(result.status for result in self.results)

    @property
    def ok(self) -> bool:
        return self.status is GateStatus.PASS

    @property
    def receipts(self) -> tuple[GateReceipt, ...]:
        """The portable receipts, sorted by gate_id (the order `bundle_hash` uses)."""
        return tuple(sorted((result.receipt for result in self.results), key=lambda receipt: receipt.gate_id))

    def output_status(self, output_id: str) -> GateStatus:
        """An output's status: the worst status among every gate in its closure."""
        gates = set(self.output_gates[output_id])
        return _worst(result.status for result in self.results if result.gate_id in gates)

    def require_pass(self) -> tuple[GateReceipt, ...]:
        """Return the receipts when every gate PASSes; otherwise raise.

        Raises FailClosed(GATE_CONFLICT) if any gate conflicts, else TransientError(GATE_MISSING).
        """
        failing = [result for result in self.results if result.status is not GateStatus.PASS]
        if not failing:
            return self.receipts
        refs = {
            "manifest_fingerprint": self.manifest_fingerprint,
            "gates": [{"gate_id": r.gate_id, "status": str(r.status), "detail": r.detail} for r in failing],
        }
        summary = "; ".join(f"{r.gate_id} {r.status}: {r.detail}" for r in failing)
        if any(result.status is GateStatus.CONFLICT for result in failing):
            raise FailClosed(GATE_CONFLICT, summary, refs)
        raise TransientError(GATE_MISSING, summary, refs)

    def to_json(self) -> dict[str, Any]:
        """A summary for CLI output and evidence."""
        return {
            "manifest_fingerprint": self.manifest_fingerprint,
            "status": str(self.status),
            "outputs": {output_id: str(self.output_status(output_id)) for output_id in self.output_ids},
            "gates": [
                {
                    **result.receipt.to_json(),
                    "detail": result.detail,
                    "missing_paths": list(result.missing_paths),
                }
                for result in self.results
            ],
        }


def _worst(statuses: Iterable[GateStatus]) -> GateStatus:
    seen = set(statuses)
    if GateStatus.CONFLICT in seen:
        return GateStatus.CONFLICT
    if GateStatus.MISSING in seen:
        return GateStatus.MISSING
    return GateStatus.PASS


def verify_gates_for_outputs(
    reader: WorldReader,
    manifest_fingerprint: str,
    output_ids: Iterable[str],
    *,
    catalogue: EngineCatalogue | None = None,
) -> GateVerification:
    """Verify every gate the outputs need, upstream gates included, each exactly once.

    Raises FailClosed(OUTPUT_UNKNOWN) for an unknown output (or none at all) and
    FailClosed(WORLD_KEY_INVALID) for a malformed fingerprint. Gate outcomes are in the result; call
    `require_pass()` to turn anything but PASS into a fail-closed error.
    """
    cat = catalogue or load_catalogue()
    check_world_key("manifest_fingerprint", manifest_fingerprint)
    ids = tuple(dict.fromkeys(output_ids))
    if not ids:
        raise FailClosed(OUTPUT_UNKNOWN, "no output ids given: verifying nothing proves nothing")
    output_gates = {
        output_id: tuple(g.gate_id for g in cat.gates_for_outputs([output_id])) for output_id in ids
    }
    results = tuple(
        verify_gate(reader, gate.gate_id, manifest_fingerprint, catalogue=cat)
        for gate in cat.gates_for_outputs(ids)
    )
    return GateVerification(
        manifest_fingerprint=manifest_fingerprint, output_ids=ids, results=results, output_gates=output_gates
    )
