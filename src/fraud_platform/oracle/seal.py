"""Sealing a landed pack for one scenario: verify, then write the pack manifest and `_SEALED.json`.

Preconditions refuse without writing anything: no committed landing (LANDING_MANIFEST_MISSING), no
run receipt (RUN_RECEIPT_MISSING), a scenario the world does not hold (SCENARIO_NOT_IN_WORLD), a
landing damaged after its commit (ORACLE_VERIFY_FAILED), or a root already sealed otherwise
(SEAL_CONFLICT). Then the verdict is computed from the landed bytes — every gate the streamed outputs
need (by hash, through the engine's gate verification) and the Parquet footer of every file in the
scenario's partitions — and written once: the pack manifest first, content-addressed at
`_oracle/pack_manifest/{sha256}.json`, then the commit object `_SEALED.json` (SEALED_OK, or
SEALED_FAILED with the failing gates and files), which names that manifest by its SHA-256. A failed
world is a fact worth recording; a rerun recomputes and must reach the same verdict (else
SEAL_CONFLICT).

Crash points and their outcome (tests/integration/oracle/test_oracle_seal_commit.py):
- before the manifest: nothing written; a rerun starts afresh;
- between the manifest and `_SEALED.json`: an orphan manifest nobody names; a rerun with the same
  inputs writes the same bytes to the same name (a no-op) and commits; a rerun with other outputs or
  a newer catalogue writes another manifest under its own name and commits that one (never a
  conflict: no fixed name was taken before the commit);
- after `_SEALED.json`: committed; a rerun returns it (same verdict) or refuses (SEAL_CONFLICT).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.canonical import sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, SystemClock, format_utc
from fraud_platform.engine._paths import check_world_key
from fraud_platform.engine.catalogue import EngineCatalogue, load_catalogue
from fraud_platform.engine.gates import GateStatus, GateVerification, verify_gates_for_outputs
from fraud_platform.engine.receipt import RunReceipt
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle._reasons import PARQUET_CORRUPT, SCENARIO_NOT_IN_WORLD, SEAL_CONFLICT
from fraud_platform.oracle._store import read_optional
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry, LandingManifest, load_manifest
from fraud_platform.oracle.pack import (
    LandingSummary,
    PackManifest,
    SealFailure,
    SealRecord,
    WorldKey,
    compute_oracle_pack_id,
    parse_seal,
)
from fraud_platform.oracle.parquet import TailReader, parquet_problem
from fraud_platform.oracle.schema_check import schema_failures
from fraud_platform.oracle.world import (
    LandedWorldReader,
    engine_release_of,
    gate_folders,
    read_landed_receipt,
)
from fraud_platform.substrate._reasons import OBJECT_CONFLICT
from fraud_platform.substrate.objectstore.port import ObjectStore, PutOutcome, S3Location

__all__ = ["SealReport", "scenario_files", "seal_pack"]


@dataclass(frozen=True)
class SealReport:
    """What a seal decided and whether this call wrote it (`written`) or found it already there."""

    root: str
    seal: SealRecord
    written: bool

    @property
    def ok(self) -> bool:
        return self.seal.seal_status == "SEALED_OK"

    @property
    def first_code(self) -> str:
        return self.seal.failures[0].code if self.seal.failures else "OK"

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "written": self.written, **self.seal.model_dump(mode="json")}

    def fact_details(self) -> dict[str, Any]:
        """Details of the ORACLE_SEALED fact (the verdict, never the time)."""
        return {
            "pack_root": self.root,
            "oracle_pack_id": self.seal.oracle_pack_id,
            "scenario_id": self.seal.world_key.scenario_id,
            "seal_status": self.seal.seal_status,
            "failures": [failure.model_dump() for failure in self.seal.failures],
        }


def scenario_files(
    manifest: LandingManifest,
    receipt: RunReceipt,
    scenario_id: str,
    output_ids: Sequence[str],
    catalogue: EngineCatalogue,
) -> dict[str, list[LandingEntry]]:
    """The landed Parquet files of each output's `scenario_id=…` partition (empty list when absent)."""
    values = receipt.world_values(scenario_id)
    found: dict[str, list[LandingEntry]] = {}
    for output_id in output_ids:
        folder = catalogue.output(output_id).partition_path(values) + "/"
        found[output_id] = [
            e for e in manifest.entries if e.path.startswith(folder) and e.path.endswith(".parquet")
        ]
    return found


def seal_pack(
    store: ObjectStore,
    root: PackRoot,
    scenario_id: str,
    tails: TailReader,
    *,
    output_ids: Sequence[str] | None = None,
    workers: int = 8,
    clock: Clock | None = None,
) -> SealReport:
    """Seal `root` for `scenario_id`; idempotent (same verdict → the existing seal is returned).

    Raises FailClosed for the refusals in the module docstring; a SEALED_FAILED verdict is returned,
    not raised (it was written: the caller decides the exit code from `report.first_code`).
    """
    catalogue = load_catalogue()
    outputs = tuple(output_ids or catalogue.default_stream_outputs)
    check_world_key("scenario_id", scenario_id)
    existing = _existing_seal(store, root)
    if existing is not None and existing.world_key.scenario_id != scenario_id:
        raise FailClosed(
            SEAL_CONFLICT,
            f"{root.uri} is sealed for scenario {existing.world_key.scenario_id}; one scenario per pack root",
            {"root": root.uri, "sealed_scenario_id": existing.world_key.scenario_id},
        )
    manifest = load_manifest(store, root)
    reader = LandedWorldReader(store, root, manifest)
    receipt, receipt_document = read_landed_receipt(reader)
    files = scenario_files(manifest, receipt, scenario_id, outputs, catalogue)
    if not any(files.values()):
        raise FailClosed(
            SCENARIO_NOT_IN_WORLD,
            f"no streamed output has a scenario_id={scenario_id} partition in this world",
            {"root": root.uri, "scenario_id": scenario_id},
        )
    world_key = WorldKey(
        manifest_fingerprint=receipt.manifest_fingerprint,
        parameter_hash=receipt.parameter_hash,
        seed=receipt.seed,
        scenario_id=scenario_id,
    )
    reader.prefetch(gate_folders(catalogue, outputs, receipt.manifest_fingerprint), workers=workers)
    gates = verify_gates_for_outputs(reader, receipt.manifest_fingerprint, outputs, catalogue=catalogue)
    failures = _gate_failures(gates) + _partition_failures(files, scenario_id)
    failures += _parquet_failures(tails, root, files, catalogue, workers)
    failures += schema_failures(tails, root, files, catalogue, workers)
    engine_release = engine_release_of(receipt_document)
    pack = PackManifest(
        oracle_pack_id=compute_oracle_pack_id(engine_release, world_key),
        engine_release=engine_release,
        engine_run_id=receipt.run_id,
        world_key=world_key,
        landing=LandingSummary(
            root_digest=manifest.root_digest, file_count=manifest.file_count, total_bytes=manifest.total_bytes
        ),
        streamed_outputs=list(outputs),
        gates=list(gates.receipts),
        parquet_files_checked=sum(len(entries) for entries in files.values()),
    )
    pack_bytes = pack.to_bytes()
    seal = SealRecord(
        seal_status="SEALED_FAILED" if failures else "SEALED_OK",
        oracle_pack_id=pack.oracle_pack_id,
        world_key=world_key,
        pack_manifest_sha256=sha256_hex(pack_bytes),
        landing_root_digest=manifest.root_digest,
        failures=failures,
        sealed_at_utc=format_utc((clock or SystemClock()).now()),
    )
    if existing is not None:
        return _same_verdict(root, existing, seal)
    _write_once_or_conflict(store, root.pack_manifest(seal.pack_manifest_sha256), pack_bytes)
    return _commit(store, root, seal)


def _existing_seal(store: ObjectStore, root: PackRoot) -> SealRecord | None:
    data = read_optional(store, root.seal)
    return parse_seal(data) if data is not None else None


def _gate_failures(gates: GateVerification) -> list[SealFailure]:
    return [
        SealFailure(
            code=result.failure_code,
            subject=result.gate_id,
            detail=result.detail,
        )
        for result in gates.results
        if result.status is not GateStatus.PASS
    ]


def _partition_failures(files: dict[str, list[LandingEntry]], scenario_id: str) -> list[SealFailure]:
    return [
        SealFailure(
            code=str(SCENARIO_NOT_IN_WORLD), subject=output_id, detail=f"no scenario_id={scenario_id} files"
        )
        for output_id, entries in files.items()
        if not entries
    ]


def _parquet_failures(
    tails: TailReader,
    root: PackRoot,
    files: dict[str, list[LandingEntry]],
    catalogue: EngineCatalogue,
    workers: int,
) -> list[SealFailure]:
    jobs = [(output_id, entry) for output_id, entries in files.items() for entry in entries]

    def _probe(job: tuple[str, LandingEntry]) -> SealFailure | None:
        output_id, entry = job
        columns = catalogue.output(output_id).column_names
        problem = parquet_problem(tails, root.child(entry.path), entry.size, columns)
        return (
            None
            if problem is None
            else SealFailure(code=str(PARQUET_CORRUPT), subject=entry.path, detail=problem)
        )

    found = run_bounded(jobs, _probe, workers=workers, label=lambda job: job[1].path)
    return [failure for failure in found if failure is not None]


def _write_once_or_conflict(store: ObjectStore, location: S3Location, data: bytes) -> PutOutcome:
    try:
        return store.put_if_absent(location, data, content_type="application/json")
    except FailClosed as error:
        if error.code != OBJECT_CONFLICT:
            raise
        # The name is the SHA-256 of the bytes, so only a foreign writer can have put other bytes there.
        raise FailClosed(
            SEAL_CONFLICT,
            f"{location.uri} holds bytes that are not the pack manifest its name hashes; nothing overwritten",
            {"uri": location.uri},
        ) from error


def _commit(store: ObjectStore, root: PackRoot, seal: SealRecord) -> SealReport:
    try:
        store.put_if_absent(root.seal, seal.to_bytes(), content_type="application/json")
    except FailClosed as error:
        if error.code != OBJECT_CONFLICT:
            raise
        # A concurrent sealer committed first (its bytes differ at least by time): same verdict is fine.
        winner = _existing_seal(store, root)
        if winner is None:
            raise
        return _same_verdict(root, winner, seal)
    return SealReport(root=root.uri, seal=seal, written=True)


def _same_verdict(root: PackRoot, existing: SealRecord, recomputed: SealRecord) -> SealReport:
    if existing.verdict() != recomputed.verdict():
        raise FailClosed(
            SEAL_CONFLICT,
            f"{root.uri} is already sealed {existing.seal_status} with another verdict than {recomputed.seal_status}",
            {"root": root.uri, "sealed": existing.seal_status, "recomputed": recomputed.seal_status},
        )
    return SealReport(root=root.uri, seal=existing, written=False)
