"""Oracle Store: land an engine world write-once, verify it, seal it, check it, compare roots, move pointers.

Public API (see docs/oracle.md). Stream views (`fp oracle sort`) live in the `oracle.sort` sub-package.

Names are imported on first use (PEP 562): `fp oracle land` must not pay for pyarrow, DuckDB and the
engine catalogue that only seal, sort and check need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from fraud_platform.oracle.check import (
        CheckFailure,
        CheckReport,
        check_pack,
    )
    from fraud_platform.oracle.compare import (
        CompareReport,
        Side,
        compare_roots,
    )
    from fraud_platform.oracle.facts import (
        ORACLE_LANDED,
        ORACLE_POINTER_MOVED,
        ORACLE_SEALED,
    )
    from fraud_platform.oracle.land import (
        LandingOptions,
        LandingProgress,
        LandingReport,
        engine_run_id_of,
        land_world,
    )
    from fraud_platform.oracle.layout import (
        PackRoot,
        default_root_uri,
    )
    from fraud_platform.oracle.manifest import (
        LandingEntry,
        LandingManifest,
        load_manifest,
    )
    from fraud_platform.oracle.pack import (
        PackManifest,
        SealRecord,
        WorldKey,
        compute_oracle_pack_id,
    )
    from fraud_platform.oracle.pointer import (
        PointerEntry,
        PointerMove,
        read_history,
        read_pointer,
        rollback_pointer,
        set_pointer,
    )
    from fraud_platform.oracle.runtime import (
        DEFAULT_ROLE,
        OracleRuntime,
    )
    from fraud_platform.oracle.seal import (
        SealReport,
        seal_pack,
    )
    from fraud_platform.oracle.sources import (
        LandingSource,
        LocalFolderSource,
        S3PrefixSource,
        open_source,
    )
    from fraud_platform.oracle.verify import (
        VerifyReport,
        verify_landing,
    )

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

_LAZY: dict[str, str] = {
    "CheckFailure": "fraud_platform.oracle.check",
    "CheckReport": "fraud_platform.oracle.check",
    "check_pack": "fraud_platform.oracle.check",
    "CompareReport": "fraud_platform.oracle.compare",
    "Side": "fraud_platform.oracle.compare",
    "compare_roots": "fraud_platform.oracle.compare",
    "ORACLE_LANDED": "fraud_platform.oracle.facts",
    "ORACLE_POINTER_MOVED": "fraud_platform.oracle.facts",
    "ORACLE_SEALED": "fraud_platform.oracle.facts",
    "LandingOptions": "fraud_platform.oracle.land",
    "LandingProgress": "fraud_platform.oracle.land",
    "LandingReport": "fraud_platform.oracle.land",
    "engine_run_id_of": "fraud_platform.oracle.land",
    "land_world": "fraud_platform.oracle.land",
    "PackRoot": "fraud_platform.oracle.layout",
    "default_root_uri": "fraud_platform.oracle.layout",
    "LandingEntry": "fraud_platform.oracle.manifest",
    "LandingManifest": "fraud_platform.oracle.manifest",
    "load_manifest": "fraud_platform.oracle.manifest",
    "PackManifest": "fraud_platform.oracle.pack",
    "SealRecord": "fraud_platform.oracle.pack",
    "WorldKey": "fraud_platform.oracle.pack",
    "compute_oracle_pack_id": "fraud_platform.oracle.pack",
    "PointerEntry": "fraud_platform.oracle.pointer",
    "PointerMove": "fraud_platform.oracle.pointer",
    "read_history": "fraud_platform.oracle.pointer",
    "read_pointer": "fraud_platform.oracle.pointer",
    "rollback_pointer": "fraud_platform.oracle.pointer",
    "set_pointer": "fraud_platform.oracle.pointer",
    "DEFAULT_ROLE": "fraud_platform.oracle.runtime",
    "OracleRuntime": "fraud_platform.oracle.runtime",
    "SealReport": "fraud_platform.oracle.seal",
    "seal_pack": "fraud_platform.oracle.seal",
    "LandingSource": "fraud_platform.oracle.sources",
    "LocalFolderSource": "fraud_platform.oracle.sources",
    "S3PrefixSource": "fraud_platform.oracle.sources",
    "open_source": "fraud_platform.oracle.sources",
    "VerifyReport": "fraud_platform.oracle.verify",
    "verify_landing": "fraud_platform.oracle.verify",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
