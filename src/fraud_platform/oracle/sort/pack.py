"""What the sort needs to know about a pack before it reads a row: sealed, identified, landed.

A view is only ever built from a pack whose `_SEALED.json` says SEALED_OK and binds the pack
manifest by SHA-256; the source files of an output are the landed Parquet files of its scenario
partition as the committed landing manifest lists them (never a fresh listing of the store), so the
receipt can name each raw file by the SHA-256 the landing recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from fraud_platform.core.canonical import sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.catalogue import OutputSpec
from fraud_platform.oracle._reasons import (
    LANDING_DIGEST_MISMATCH,
    PACK_MANIFEST_INVALID,
    PACK_NOT_SEALED,
    PACK_SEAL_FAILED,
    WORLD_KEY_MISMATCH,
)
from fraud_platform.oracle._store import read_optional
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.manifest import LandingEntry, LandingManifest, load_manifest
from fraud_platform.oracle.pack import PackManifest, SealRecord, parse_pack_manifest, parse_seal
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["SealedPack", "load_sealed_pack"]


@dataclass(frozen=True)
class SealedPack:
    """A pack root that is sealed SEALED_OK for one scenario, with its manifests."""

    root: PackRoot
    seal: SealRecord
    manifest: PackManifest
    landing: LandingManifest

    @property
    def oracle_pack_id(self) -> str:
        return self.manifest.oracle_pack_id

    def source_files(self, spec: OutputSpec) -> list[LandingEntry]:
        """The landed Parquet files of `spec` in the sealed scenario's partition, sorted by path."""
        key = self.manifest.world_key
        folder = (
            spec.partition_path(
                {
                    "seed": key.seed,
                    "parameter_hash": key.parameter_hash,
                    "manifest_fingerprint": key.manifest_fingerprint,
                    "scenario_id": key.scenario_id,
                    "run_id": self.manifest.engine_run_id,
                }
            )
            + "/"
        )
        found = [e for e in self.landing.entries if e.path.startswith(folder) and e.path.endswith(".parquet")]
        return sorted(found, key=lambda entry: entry.path)


def load_sealed_pack(store: ObjectStore, root: PackRoot, scenario_id: str) -> SealedPack:
    """Read and cross-check seal, pack manifest and landing; refuse anything not SEALED_OK.

    Raises FailClosed(PACK_NOT_SEALED | PACK_SEAL_FAILED | PACK_MANIFEST_INVALID | WORLD_KEY_MISMATCH |
    LANDING_MANIFEST_MISSING | LANDING_DIGEST_MISMATCH). Reads three small objects, writes nothing.
    """
    seal_bytes = read_optional(store, root.seal)
    if seal_bytes is None:
        raise FailClosed(PACK_NOT_SEALED, f"{root.uri} has no _SEALED.json", {"root": root.uri})
    seal = parse_seal(seal_bytes)
    if seal.seal_status != "SEALED_OK":
        raise FailClosed(
            PACK_SEAL_FAILED,
            f"{root.uri} is sealed {seal.seal_status}",
            {"root": root.uri, "failures": [failure.model_dump() for failure in seal.failures][:20]},
        )
    # Follow the commit object: the content-addressed manifest `_SEALED.json` names, never a listing.
    manifest_location = root.pack_manifest(seal.pack_manifest_sha256)
    manifest_bytes = read_optional(store, manifest_location)
    if manifest_bytes is None:
        raise FailClosed(
            PACK_MANIFEST_INVALID,
            f"{root.uri} has no pack manifest {seal.pack_manifest_sha256} (the one its seal names)",
            {"root": root.uri, "uri": manifest_location.uri},
        )
    if sha256_hex(manifest_bytes) != seal.pack_manifest_sha256:
        raise FailClosed(
            PACK_MANIFEST_INVALID, "the pack manifest is not the one the seal binds", {"root": root.uri}
        )
    manifest = parse_pack_manifest(manifest_bytes)
    if manifest.oracle_pack_id != seal.oracle_pack_id:
        raise FailClosed(PACK_MANIFEST_INVALID, "the seal and the pack manifest name different packs")
    if manifest.world_key.scenario_id != scenario_id:
        raise FailClosed(
            WORLD_KEY_MISMATCH,
            f"the pack is sealed for scenario {manifest.world_key.scenario_id!r}, not {scenario_id!r}",
            {"root": root.uri, "sealed": manifest.world_key.scenario_id, "asked": scenario_id},
        )
    landing = load_manifest(store, root)
    if landing.root_digest != seal.landing_root_digest:
        raise FailClosed(
            LANDING_DIGEST_MISMATCH, "the landing changed since the pack was sealed", {"root": root.uri}
        )
    return SealedPack(root=root, seal=seal, manifest=manifest, landing=landing)
