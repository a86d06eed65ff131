"""Gate verification: no PASS, no read.

A gate PASSes only when the digest recomputed by the gate's law equals the digest its `_passed.flag`
claims; the presence of a flag alone never passes. Outcomes:

    PASS       digests equal; a portable receipt {gate_id, status, digest, flag_path, bundle_root}
    MISSING    the bundle is not published yet (its folder or index absent), or the flag vanished
               while read, or a file the index lists is absent: wait
    FAILED     the bundle is published (its index present) without `_passed.flag`: the engine's own
               FAIL verdict (1A S9, 5A, 5B, 6A, 6B publish failed bundles this way): terminal, refuse
    CONFLICT   the flag or index is unparseable, the digests differ, or a 3A member's bytes do not
               hash to the sha256_hex its index records: refuse and quarantine

The laws (see `_gate_methods`): bundle and index digests hash the files' bytes; 3A's member digest
hashes only the members' `sha256_hex` strings, as the engine specifies, so on its own it would pass a
changed member file whose index entry was left alone. We go beyond the engine's law there: every 3A
member is also streamed and hashed by the engine's member rules and compared with its `sha256_hex`
(`_gate_members`), a mismatch being CONFLICT with the code GATE_MEMBER_MISMATCH.

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
from fraud_platform.engine._gate_members import member_mismatches
from fraud_platform.engine._gate_methods import compute_digest, parse_flag
from fraud_platform.engine._paths import check_world_key, join_relative
from fraud_platform.engine._reasons import (
    GATE_CONFLICT,
    GATE_FAILED,
    GATE_MEMBER_MISMATCH,
    GATE_MISSING,
    OUTPUT_UNKNOWN,
    WORLD_OBJECT_MISSING,
)
from fraud_platform.engine.catalogue import FLAG_NAME, EngineCatalogue, GateSpec, load_catalogue
from fraud_platform.engine.world import WorldReader

__all__ = [
    "GATE_RECEIPT_SCHEMA_NAME",
    "GateDigest",
    "GateReceipt",
    "GateResult",
    "GateStatus",
    "GateVerification",
    "gate_status_code",
    "packaged_gate_receipt_schema",
    "verify_gate",
    "verify_gates_for_outputs",
]

GATE_RECEIPT_SCHEMA_NAME = "gate_receipt.schema.json"


class GateStatus(StrEnum):
    """The outcome of verifying one gate."""

    PASS = "PASS"
    MISSING = "MISSING"
    FAILED = "FAILED"
    CONFLICT = "CONFLICT"


_STATUS_CODES: dict[GateStatus, str] = {
    GateStatus.MISSING: GATE_MISSING,
    GateStatus.FAILED: GATE_FAILED,
    GateStatus.CONFLICT: GATE_CONFLICT,
}


def gate_status_code(status: GateStatus) -> str:
    """The reason code for a non-PASS gate status (the one mapping seal, check and the CLI share).

    Raises ValueError for PASS, which is not a failure and has no code.
    """
    if status is GateStatus.PASS:
        raise ValueError("PASS is not a failure: it has no reason code")
    return _STATUS_CODES[status]


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
    member_code: str | None = None

    @property
    def status(self) -> GateStatus:
        return self.receipt.status

    @property
    def code(self) -> str | None:
        """The reason code of a non-PASS result, None for PASS (see `failure_code`)."""
        return None if self.status is GateStatus.PASS else self.failure_code

    @property
    def failure_code(self) -> str:
        """The reason code of a non-PASS result; GATE_MEMBER_MISMATCH names a bad 3A member.

        Raises ValueError for PASS (not a failure). Seal, check and the CLI all use this mapping.
        """
        return self.member_code or gate_status_code(self.status)

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
    member_code: str | None = None,
) -> GateResult:
    receipt = GateReceipt(
        gate_id=gate.gate_id,
        status=status,
        digest=GateDigest(hex=digest) if digest is not None else None,
        flag_path=gate.flag_path(mf),
        bundle_root=gate.bundle_root(mf),
    )
    return GateResult(receipt=receipt, detail=detail, missing_paths=tuple(missing), member_code=member_code)


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
    MISSING, FAILED and CONFLICT, is returned rather than raised.
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
        index_path = join_relative(bundle_root, gate.published_marker)
        if index_path in listing:
            detail = f"the bundle is published ({gate.published_marker} present) without {FLAG_NAME}"
            return _result(gate, mf, GateStatus.FAILED, None, f"{detail}: the engine failed this gate")
        return _result(
            gate,
            mf,
            GateStatus.MISSING,
            None,
            f"{FLAG_NAME} and {gate.published_marker} are absent",
            [flag_path],
        )
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
    if gate.method == "member_digest_concat":
        members = member_mismatches(reader, gate, bundle_root)
        if members.missing_paths:
            return _result(
                gate, mf, GateStatus.MISSING, computed.digest, members.detail, members.missing_paths
            )
        if members.detail:
            return _result(
                gate,
                mf,
                GateStatus.CONFLICT,
                computed.digest,
                members.detail,
                member_code=GATE_MEMBER_MISMATCH,
            )
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
        """CONFLICT if any gate conflicts, else FAILED if any failed, else MISSING if any is missing, else PASS."""
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

        Raises FailClosed(GATE_CONFLICT) if any gate conflicts (GATE_MEMBER_MISMATCH when that is a
        3A member's bytes), else FailClosed(GATE_FAILED) if any gate failed, else
        TransientError(GATE_MISSING).
        """
        failing = [result for result in self.results if result.status is not GateStatus.PASS]
        if not failing:
            return self.receipts
        refs = {
            "manifest_fingerprint": self.manifest_fingerprint,
            "gates": [{"gate_id": r.gate_id, "status": str(r.status), "detail": r.detail} for r in failing],
        }
        summary = "; ".join(f"{r.gate_id} {r.status}: {r.detail}" for r in failing)
        worst = _worst(result.status for result in failing)
        code = next(r.failure_code for r in failing if r.status is worst)
        if worst is GateStatus.MISSING:
            raise TransientError(code, summary, refs)
        raise FailClosed(code, summary, refs)

    def to_json(self) -> dict[str, Any]:
        """A summary for CLI output and evidence."""
        return {
            "manifest_fingerprint": self.manifest_fingerprint,
            "status": str(self.status),
            "outputs": {output_id: str(self.output_status(output_id)) for output_id in self.output_ids},
            "gates": [
                {
                    **result.receipt.to_json(),
                    "code": result.code,
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
    if GateStatus.FAILED in seen:
        return GateStatus.FAILED
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
