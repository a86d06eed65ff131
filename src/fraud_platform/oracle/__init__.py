"""Oracle Store: land an engine world write-once, verify it, seal it, check it, compare roots, move pointers.

Public API (see docs/oracle.md). Stream views (`fp oracle sort`) live in `oracle.sort*`/`oracle.closure*`.
"""

from fraud_platform.oracle._reasons import (
    LANDING_CONFLICT,
    LANDING_DIGEST_MISMATCH,
    LANDING_MANIFEST_MISSING,
    LANDING_PATH_UNSAFE,
    LANDING_SOURCE_CHANGED,
    ORACLE_COMPARE_DIFFERENT,
    ORACLE_VERIFY_FAILED,
    PACK_NOT_SEALED,
    PARQUET_CORRUPT,
    POINTER_MISSING,
    SCENARIO_NOT_IN_WORLD,
    SEAL_CONFLICT,
    STREAM_VIEW_INCONSISTENT,
    STREAM_VIEW_MISSING,
    STREAM_VIEW_PARTS_MISSING,
    STREAM_VIEW_UNBOUND,
    WORLD_KEY_MISMATCH,
)
from fraud_platform.oracle.check import CheckFailure, CheckReport, check_pack
from fraud_platform.oracle.compare import CompareReport, Side, compare_roots
from fraud_platform.oracle.facts import ORACLE_LANDED, ORACLE_POINTER_MOVED, ORACLE_SEALED
from fraud_platform.oracle.land import (
    LandingOptions,
    LandingProgress,
    LandingReport,
    engine_run_id_of,
    land_world,
)
from fraud_platform.oracle.layout import PackRoot, default_root_uri
from fraud_platform.oracle.manifest import LandingEntry, LandingManifest, load_manifest
from fraud_platform.oracle.pack import PackManifest, SealRecord, WorldKey, compute_oracle_pack_id
from fraud_platform.oracle.pointer import (
    PointerEntry,
    PointerMove,
    read_history,
    read_pointer,
    rollback_pointer,
    set_pointer,
)
from fraud_platform.oracle.runtime import DEFAULT_ROLE, OracleRuntime
from fraud_platform.oracle.seal import SealReport, seal_pack
from fraud_platform.oracle.sources import LandingSource, LocalFolderSource, S3PrefixSource, open_source
from fraud_platform.oracle.verify import VerifyReport, verify_landing

__all__ = [
    "DEFAULT_ROLE",
    "LANDING_CONFLICT",
    "LANDING_DIGEST_MISMATCH",
    "LANDING_MANIFEST_MISSING",
    "LANDING_PATH_UNSAFE",
    "LANDING_SOURCE_CHANGED",
    "ORACLE_COMPARE_DIFFERENT",
    "ORACLE_LANDED",
    "ORACLE_POINTER_MOVED",
    "ORACLE_SEALED",
    "ORACLE_VERIFY_FAILED",
    "PACK_NOT_SEALED",
    "PARQUET_CORRUPT",
    "POINTER_MISSING",
    "SCENARIO_NOT_IN_WORLD",
    "SEAL_CONFLICT",
    "STREAM_VIEW_INCONSISTENT",
    "STREAM_VIEW_MISSING",
    "STREAM_VIEW_PARTS_MISSING",
    "STREAM_VIEW_UNBOUND",
    "WORLD_KEY_MISMATCH",
    "CheckFailure",
    "CheckReport",
    "CompareReport",
    "LandingEntry",
    "LandingManifest",
    "LandingOptions",
    "LandingProgress",
    "LandingReport",
    "LandingSource",
    "LocalFolderSource",
    "OracleRuntime",
    "PackManifest",
    "PackRoot",
    "PointerEntry",
    "PointerMove",
    "S3PrefixSource",
    "SealRecord",
    "SealReport",
    "Side",
    "VerifyReport",
    "WorldKey",
    "check_pack",
    "compare_roots",
    "compute_oracle_pack_id",
    "default_root_uri",
    "engine_run_id_of",
    "land_world",
    "load_manifest",
    "open_source",
    "read_history",
    "read_pointer",
    "rollback_pointer",
    "seal_pack",
    "set_pointer",
    "verify_landing",
]
