"""The pack manifest and the seal: what was sealed (world key, pack id, landing, gates) and the verdict.

`_SEALED.json` sits at the pack root and names the content-addressed pack manifest
(`_oracle/pack_manifest/{sha256}.json`) by its SHA-256, so a landed world is sealed for exactly one
scenario: stream views live under the root without a scenario in
their path, and a second scenario would make every view ambiguous. Sealing the same root for
another scenario is refused with SEAL_CONFLICT; land the world again under another root instead.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.gates import GateReceipt
from fraud_platform.oracle._models import HEX64, Sha256Digest, StrictModel, document_bytes, parse_document
from fraud_platform.oracle._reasons import PACK_MANIFEST_INVALID, PACK_NOT_SEALED

__all__ = [
    "ENGINE_RELEASE_UNKNOWN",
    "LandingSummary",
    "PackManifest",
    "SealFailure",
    "SealRecord",
    "SealStatus",
    "WorldKey",
    "compute_oracle_pack_id",
    "parse_pack_manifest",
    "parse_seal",
]

# A run receipt without `engine_release` is sealed as this, so the pack id stays computable and honest.
ENGINE_RELEASE_UNKNOWN = "unknown"

SealStatus = Literal["SEALED_OK", "SEALED_FAILED"]


class WorldKey(StrictModel):
    """`{manifest_fingerprint, parameter_hash, seed, scenario_id}` (run receipt + the scenario pin)."""

    manifest_fingerprint: str = Field(pattern=HEX64)
    parameter_hash: str = Field(pattern=HEX64)
    seed: int = Field(ge=0, le=2**64 - 1)
    scenario_id: str = Field(min_length=1)


class LandingSummary(StrictModel):
    """The landing a pack was sealed over, by digest (a later landing change breaks the binding)."""

    root_digest: Sha256Digest
    file_count: int = Field(ge=0)
    total_bytes: int = Field(ge=0)


class PackManifest(StrictModel):
    """`_oracle/pack_manifest/{sha256}.json`: identity and digests of a sealed pack; no wall-clock field."""

    schema_version: Literal["fp.oracle.pack_manifest.v1"] = "fp.oracle.pack_manifest.v1"
    oracle_pack_id: str = Field(pattern=HEX64)
    engine_release: str = Field(min_length=1)
    engine_run_id: str
    world_key: WorldKey
    landing: LandingSummary
    streamed_outputs: list[str]
    gates: list[GateReceipt]
    parquet_files_checked: int = Field(ge=0)

    def to_bytes(self) -> bytes:
        return document_bytes(self)


class SealFailure(StrictModel):
    """Why a seal failed: a reason code and what it is about (a gate id or a path)."""

    code: str
    subject: str
    detail: str


class SealRecord(StrictModel):
    """`_SEALED.json`: the verdict and what it binds to; its commit object.

    `pack_manifest_sha256` is also the manifest's name, so a reader follows the seal to exactly the
    manifest it committed, whatever orphans an earlier crashed seal left beside it.
    """

    schema_version: Literal["fp.oracle.seal.v1"] = "fp.oracle.seal.v1"
    seal_status: SealStatus
    oracle_pack_id: str = Field(pattern=HEX64)
    world_key: WorldKey
    pack_manifest_sha256: str = Field(pattern=HEX64)
    landing_root_digest: Sha256Digest
    failures: list[SealFailure]
    sealed_at_utc: str

    def verdict(self) -> dict[str, Any]:
        """Everything but the time: two seals with the same verdict are the same seal."""
        return self.model_dump(mode="json", exclude={"sealed_at_utc"})

    def to_bytes(self) -> bytes:
        return document_bytes(self)


def compute_oracle_pack_id(engine_release: str, world_key: WorldKey) -> str:
    """`oracle_pack_id` = sha256(cj1 `{"engine_release", "world_key"}`), lowercase hex."""
    return sha256_hex(
        canonical_bytes({"engine_release": engine_release, "world_key": world_key.model_dump()})
    )


def parse_pack_manifest(data: bytes) -> PackManifest:
    """Parse a pack manifest and recompute its pack id; any defect → PACK_MANIFEST_INVALID."""
    manifest = parse_document(PackManifest, data, PACK_MANIFEST_INVALID, "the pack manifest")
    if compute_oracle_pack_id(manifest.engine_release, manifest.world_key) != manifest.oracle_pack_id:
        raise FailClosed(
            PACK_MANIFEST_INVALID, "oracle_pack_id does not recompute from engine_release and world_key"
        )
    return manifest


def parse_seal(data: bytes) -> SealRecord:
    """Parse `_SEALED.json`; a malformed seal is no seal (PACK_NOT_SEALED)."""
    return parse_document(SealRecord, data, PACK_NOT_SEALED, "_SEALED.json")
