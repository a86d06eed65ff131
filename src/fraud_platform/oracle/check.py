"""The consumer check: may a reader trust this pack root for this scenario and these outputs?

SR and WSP call :func:`check_pack` instead of re-implementing the Oracle contract. It trusts nothing
it did not recompute: the seal must say SEALED_OK and bind the pack manifest by hash; the pack id
must recompute; the landing manifest's root digest must recompute and equal the sealed one; the
world key must match the landed run receipt and the scenario asked for; every gate the outputs need
must PASS by hash on the landed bytes; every requested stream view must be committed, internally
consistent, bound to this pack, and still have all its parts. Each failure carries one stable code.

What the cheap (default) check re-hashes: the gate bundles and the run receipt (small). What it
trusts, and says so in `CheckReport.trusted`: the source Parquet files of the checked outputs by the
SHA-256 the landing manifest records (the manifest itself recomputes to the sealed root digest), and
each view part by the SHA-256 the store reports on a HEAD. `deep=True` (`fp oracle check --deep`)
streams and re-hashes both, every byte, against the landing manifest and the receipts (a mismatch is
ORACLE_VERIFY_FAILED for a landed file, STREAM_VIEW_PARTS_MISSING for a part); memory stays bounded
by one chunk per worker. A passing check hands out one `ViewLocator` per output: the committed
attempt, its receipt and view manifest by URI and SHA-256 (what READY carries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.reasons import lookup
from fraud_platform.engine._reasons import GATE_MISSING, OUTPUT_UNKNOWN, RUN_RECEIPT_MISSING
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.gates import GateStatus, verify_gates_for_outputs
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle._reasons import (
    LANDING_MANIFEST_MISSING,
    ORACLE_ROOT_INVALID,
    ORACLE_VERIFY_FAILED,
    PACK_NOT_SEALED,
    STREAM_VIEW_MISSING,
    WORLD_KEY_MISMATCH,
)
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry
from fraud_platform.oracle.pack import PackManifest
from fraud_platform.oracle.pointer import PointerEntry, read_pointer
from fraud_platform.oracle.sort.pack import SealedPack, load_sealed_pack
from fraud_platform.oracle.views import ViewLocator, check_stream_view
from fraud_platform.oracle.world import LandedWorldReader, gate_folders, read_landed_receipt
from fraud_platform.substrate._reasons import (
    OBJECT_ACCESS_DENIED,
    OBJECT_BUCKET_MISSING,
    OBJECT_STORE_REQUEST_FAILED,
)
from fraud_platform.substrate.objectstore.hashing import HashingReader
from fraud_platform.substrate.objectstore.port import ObjectStore

# PackRoot, PointerEntry, read_pointer and ViewLocator are re-exported so that SR imports nothing else
# of the Oracle.
__all__ = [
    "ACCESS_CODES",
    "NOT_YET_CODES",
    "CheckFailure",
    "CheckReport",
    "PackRoot",
    "PointerEntry",
    "ViewLocator",
    "check_pack",
    "read_pointer",
    "trusted_by",
]

NOT_YET_CODES: frozenset[str] = frozenset(
    {PACK_NOT_SEALED, LANDING_MANIFEST_MISSING, RUN_RECEIPT_MISSING, GATE_MISSING, STREAM_VIEW_MISSING}
)
"""Check failures that may resolve themselves (something not written *yet*): a consumer may wait."""

ACCESS_CODES: frozenset[str] = frozenset(
    {
        OBJECT_ACCESS_DENIED,
        OBJECT_BUCKET_MISSING,
        OBJECT_STORE_REQUEST_FAILED,
        ORACLE_ROOT_INVALID,
        OUTPUT_UNKNOWN,
    }
)
"""Check failures that say nothing about the pack but about the consumer's access to it."""

_TRUSTED_CHEAP = (
    "landing_manifest: source Parquet files trusted by their landed SHA-256 (not re-hashed)",
    "receipt part sha256: view parts checked by HEAD against the store's SHA-256 (not re-hashed)",
)
_TRUSTED_DEEP = ("the store's durability after this check (every byte was re-hashed once, now)",)


def trusted_by(deep: bool) -> tuple[str, ...]:
    """What a check of this depth takes on trust instead of re-hashing (the report lists it)."""
    return _TRUSTED_DEEP if deep else _TRUSTED_CHEAP


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
    stream_views: dict[str, ViewLocator] = field(default_factory=dict)
    deep: bool = False
    trusted: tuple[str, ...] = _TRUSTED_CHEAP
    bytes_rehashed: int = 0

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
        """`{oracle_pack_id, pack_root, stream_views}` as READY carries it (only for a passing check).

        Each view is named by its committed attempt, receipt and view manifest (URI and SHA-256),
        never by its folder, which may also hold orphan attempts.
        """
        self.raise_for_failure()
        return {
            "oracle_pack_id": self.oracle_pack_id,
            "pack_root": self.root,
            "stream_views": {out: view.ready_ref() for out, view in sorted(self.stream_views.items())},
        }

    def locators(self) -> tuple[dict[str, Any], ...]:
        """The location-free locators `bundle_hash` binds, one per view, sorted by output_id."""
        return tuple(view.bundle_locator() for _, view in sorted(self.stream_views.items()))

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
            "stream_views": {out: view.to_json() for out, view in sorted(self.stream_views.items())},
            "deep": self.deep,
            "trusted": list(self.trusted),
            "bytes_rehashed": self.bytes_rehashed,
        }


def check_pack(
    store: ObjectStore,
    root: PackRoot | str,
    scenario_id: str,
    outputs: Sequence[str] | None = None,
    *,
    deep: bool = False,
) -> CheckReport:
    """Check a pack root for `scenario_id` and `outputs` (default: the catalogue's stream set).

    Read-only, idempotent, never raises for a failed check (the report carries the failures; call
    `raise_for_failure()`). Raises only for a substrate error (e.g. OBJECT_STORE_UNAVAILABLE) and
    for an output the catalogue does not know (OUTPUT_UNKNOWN: a caller's bug, not a pack's fault).
    `deep=True` re-hashes every landed source byte and every view part (module docstring).
    """
    pack_root = PackRoot.parse(root) if isinstance(root, str) else root
    catalogue = load_catalogue()
    wanted = tuple(dict.fromkeys(outputs or catalogue.default_stream_outputs))
    specs = [catalogue.output(output_id) for output_id in wanted]
    report = CheckReport(
        root=pack_root.uri,
        scenario_id=scenario_id,
        outputs=wanted,
        failures=(),
        deep=deep,
        trusted=trusted_by(deep),
    )
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
    views: dict[str, ViewLocator] = {}
    rehashed = 0
    for spec in specs:
        if spec.output_id not in pack.streamed_outputs:
            failures.append(
                CheckFailure(str(STREAM_VIEW_MISSING), spec.output_id, "not sealed as a streamed output")
            )
            continue
        if deep:
            rehashed += _rehash_landed(store, sealed, sealed.source_files(spec), failures)
        problems, locator = check_stream_view(store, sealed, spec, workers=_WORKERS, deep=deep)
        failures.extend(CheckFailure(str(code), spec.output_id, detail) for code, detail in problems)
        if locator is not None:
            views[spec.output_id] = locator
            rehashed += locator.bytes if deep else 0
    return CheckReport(
        root=pack_root.uri,
        scenario_id=scenario_id,
        outputs=wanted,
        failures=tuple(failures),
        oracle_pack_id=pack.oracle_pack_id,
        world_key=pack.world_key.model_dump(),
        gate_receipts=receipts,
        stream_views=views,
        deep=deep,
        trusted=trusted_by(deep),
        bytes_rehashed=rehashed,
    )


def _with(report: CheckReport, failures: list[CheckFailure]) -> CheckReport:
    return CheckReport(
        report.root,
        report.scenario_id,
        report.outputs,
        tuple(failures),
        deep=report.deep,
        trusted=report.trusted,
    )


def _rehash_landed(
    store: ObjectStore, pack: SealedPack, entries: Sequence[LandingEntry], failures: list[CheckFailure]
) -> int:
    """Stream every landed file in `entries` and compare size and SHA-256 with the landing manifest."""

    def _one(entry: LandingEntry) -> CheckFailure | None:
        try:
            reader = HashingReader(store.get_stream(pack.root.child(entry.path)))
        except PlatformError as error:
            if error.transient:
                raise
            return CheckFailure(
                str(ORACLE_VERIFY_FAILED), entry.path, f"landed but unreadable: {error.detail}"
            )
        for _ in reader:
            pass
        if reader.bytes_read != entry.size or reader.hexdigest() != entry.sha256:
            detail = f"re-hashed {reader.bytes_read} bytes to {reader.hexdigest()}, landed {entry.size} / {entry.sha256}"
            return CheckFailure(str(ORACLE_VERIFY_FAILED), entry.path, detail)
        return None

    found = run_bounded(list(entries), _one, workers=_WORKERS, label=lambda entry: entry.path)
    failures.extend(failure for failure in found if failure is not None)
    return sum(entry.size for entry in entries)


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
            code = result.failure_code
            failures.append(CheckFailure(code, result.gate_id, result.detail))
    return tuple(receipt.to_json() for receipt in verification.receipts)
