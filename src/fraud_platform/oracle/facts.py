"""Governance-fact families the Oracle emits, registered with obs like every other family.

Details hold what happened and nothing wall-clock (`*_at_utc` is refused by obs): a rerun that lands
or seals the same content with the same outcome re-emits the same fact (same event_id).
"""

from __future__ import annotations

from fraud_platform.obs.families import register_family

__all__ = ["ORACLE_LANDED", "ORACLE_POINTER_MOVED", "ORACLE_SEALED"]

ORACLE_LANDED = register_family(
    "ORACLE_LANDED",
    "an engine world was landed into a pack root and its landing manifest committed",
    owner="oracle",
    required_details=("pack_root", "engine_run_id", "root_digest", "files", "bytes"),
)
ORACLE_SEALED = register_family(
    "ORACLE_SEALED",
    "a pack root was sealed for a scenario (SEALED_OK or SEALED_FAILED)",
    owner="oracle",
    required_details=("pack_root", "oracle_pack_id", "scenario_id", "seal_status"),
)
ORACLE_POINTER_MOVED = register_family(
    "ORACLE_POINTER_MOVED",
    "a profile's Oracle root pointer moved (set or rollback) by compare-and-swap",
    owner="oracle",
    required_details=("profile", "seq", "action", "pack_root", "oracle_pack_id"),
)
