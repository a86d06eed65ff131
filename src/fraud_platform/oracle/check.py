"""The consumer check: may a reader trust this pack root for this scenario and these outputs?

SR and WSP call :func:`check_pack` instead of re-implementing the Oracle contract. It trusts nothing
it did not recompute: the seal must say SEALED_OK and bind the pack manifest by hash; the pack id
must recompute; the landing manifest's root digest must recompute and equal the sealed one; the
world key must match the landed run receipt and the scenario asked for; every gate the outputs need
must PASS by hash on the landed bytes; every requested stream view must be committed, internally
consistent, bound to this pack, and still have all its parts. Each failure carries one stable code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.reasons import lookup
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.gates import GateStatus, verify_gates_for_outputs
from fraud_platform.oracle._reasons import STREAM_VIEW_MISSING, WORLD_KEY_MISMATCH
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.pack import PackManifest
from fraud_platform.oracle.pointer import PointerEntry, read_pointer
from fraud_platform.oracle.sort.pack import load_sealed_pack
from fraud_platform.oracle.views import check_stream_view
from fraud_platform.oracle.world import LandedWorldReader, gate_folders, read_landed_receipt
from fraud_platform.substrate.objectstore.port import ObjectStore

# PackRoot, PointerEntry and read_pointer are re-exported so that SR imports nothing else of the Oracle.
__all__ = ["CheckFailure", "CheckReport", "PackRoot", "PointerEntry", "check_pack", "read_pointer"]

# Parallel reads of gate bundles and stream-view part HEADs (I/O bound; the store client is shared).
_WORKERS = 8


@dataclass(frozen=True)
class CheckFailure:
    """One reason the pack cannot be trusted: a registered code and what it is about."""

    code: str
    subject: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "subject": self.subject, "detail": self.detail}


@dataclass(frozen=True)
class CheckReport:
    """The outcome of a consumer check; `code` is the first failure's code, or "OK"."""

    root: str
    scenario_id: str
    outputs: tuple[str, ...]
    failures: tuple[CheckFailure, ...]
    oracle_pack_id: str | None = None
    world_key: dict[str, Any] | None = None
    gate_receipts: tuple[dict[str, Any], ...] = ()
    stream_views: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def code(self) -> str:
        return self.failures[0].code if self.failures else "OK"

    def raise_for_failure(self) -> None:
        """Raise the first failure (TransientError when its code is transient, else FailClosed)."""
        if self.ok:
            return
        first = self.failures[0]
        refs = {"root": self.root, "failures": [failure.to_json() for failure in self.failures]}
        error = TransientError if lookup(first.code).transient else FailClosed
        raise error(first.code, f"{first.subject}: {first.detail}", refs)

    def pack_ref(self) -> dict[str, Any]:
        """`{oracle_pack_id, pack_root, stream_views}` as READY carries it (only for a passing check)."""
        self.raise_for_failure()
        return {
            "oracle_pack_id": self.oracle_pack_id,
            "pack_root": self.root,
            "stream_views": dict(self.stream_views),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "scenario_id": self.scenario_id,
            "outputs": list(self.outputs),
            "check_ok": self.ok,
            "failures": [failure.to_json() for failure in self.failures],
            "oracle_pack_id": self.oracle_pack_id,
            "world_key": self.world_key,
            "gate_receipts": list(self.gate_receipts),
            "stream_views": dict(self.stream_views),
        }


def check_pack(
    store: ObjectStore, root: PackRoot | str, scenario_id: str, outputs: Sequence[str] | None = None
) -> CheckReport:
    """Check a pack root for `scenario_id` and `outputs` (default: the catalogue's stream set).

    Read-only, idempotent, never raises for a failed check (the report carries the failures; call
    `raise_for_failure()`). Raises only for a substrate error (e.g. OBJECT_STORE_UNAVAILABLE) and
    for an output the catalogue does not know (OUTPUT_UNKNOWN: a caller's bug, not a pack's fault).
    """
    pack_root = PackRoot.parse(root) if isinstance(root, str) else root
    catalogue = load_catalogue()
    wanted = tuple(dict.fromkeys(outputs or catalogue.default_stream_outputs))
    specs = [catalogue.output(output_id) for output_id in wanted]
    report = CheckReport(root=pack_root.uri, scenario_id=scenario_id, outputs=wanted, failures=())
    try:
        sealed = load_sealed_pack(store, pack_root, scenario_id)
        reader = LandedWorldReader(store, pack_root, sealed.landing)
        _world_key(reader, sealed.manifest)
    except PlatformError as error:
        if error.transient:
            raise
        return _with(report, [CheckFailure(str(error.code), pack_root.uri, error.detail)])
    pack = sealed.manifest
    failures: list[CheckFailure] = []
    try:
        receipts = _gates(reader, pack, wanted, failures)
    except PlatformError as error:
        if error.transient:
            raise
        failures.append(CheckFailure(str(error.code), "gates", error.detail))
        receipts = ()
    views: dict[str, str] = {}
    for spec in specs:
        if spec.output_id not in pack.streamed_outputs:
            failures.append(
                CheckFailure(str(STREAM_VIEW_MISSING), spec.output_id, "not sealed as a streamed output")
            )
            continue
        problems = check_stream_view(store, sealed, spec, workers=_WORKERS)
        failures.extend(CheckFailure(str(code), spec.output_id, detail) for code, detail in problems)
        if not problems:
            views[spec.output_id] = pack_root.stream_view_uri(spec.output_id)
    return CheckReport(
        root=pack_root.uri,
        scenario_id=scenario_id,
        outputs=wanted,
        failures=tuple(failures),
        oracle_pack_id=pack.oracle_pack_id,
        world_key=pack.world_key.model_dump(),
        gate_receipts=receipts,
        stream_views=views,
    )


def _with(report: CheckReport, failures: list[CheckFailure]) -> CheckReport:
    return CheckReport(report.root, report.scenario_id, report.outputs, tuple(failures))


def _world_key(reader: LandedWorldReader, pack: PackManifest) -> None:
    """The sealed world key must still be the landed run receipt's (the scenario is checked on load)."""
    receipt, _ = read_landed_receipt(reader)
    key = pack.world_key
    landed = (receipt.manifest_fingerprint, receipt.parameter_hash, receipt.seed)
    if landed != (key.manifest_fingerprint, key.parameter_hash, key.seed):
        raise FailClosed(
            WORLD_KEY_MISMATCH, f"the pack's world key {key.model_dump()} is not the run receipt's {landed}"
        )


def _gates(
    reader: LandedWorldReader, pack: PackManifest, outputs: tuple[str, ...], failures: list[CheckFailure]
) -> tuple[dict[str, Any], ...]:
    catalogue = load_catalogue()
    mf = pack.world_key.manifest_fingerprint
    reader.prefetch(gate_folders(catalogue, outputs, mf), workers=_WORKERS)
    verification = verify_gates_for_outputs(reader, mf, outputs, catalogue=catalogue)
    for result in verification.results:
        if result.status is not GateStatus.PASS:
            code = "GATE_CONFLICT" if result.status is GateStatus.CONFLICT else "GATE_MISSING"
            failures.append(CheckFailure(code, result.gate_id, result.detail))
    return tuple(receipt.to_json() for receipt in verification.receipts)
