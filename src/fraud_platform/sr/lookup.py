"""Finding a registered scenario run by id, refusing stale ids and runs of another platform run."""

from __future__ import annotations

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.sr._reasons import PLATFORM_RUN_MISMATCH, SR_RUN_UNKNOWN
from fraud_platform.sr.authority import AuthorityStore, RegistryEntry
from fraud_platform.sr.identity import validate_scenario_run_id

__all__ = ["registered_run"]


def registered_run(
    authority: AuthorityStore,
    scenario_run_id: str,
    platform_run_id: str | None,
    *,
    mismatch: ReasonCode = PLATFORM_RUN_MISMATCH,
) -> RegistryEntry:
    """The registry entry of `scenario_run_id`; with `platform_run_id`, it must belong to that run.

    Raises:
        FailClosed(SR_RUN_ID_INVALID): malformed id.
        FailClosed(SR_RUN_UNKNOWN): this authority store never accepted the run (stale or foreign id).
        FailClosed(`mismatch`): the run belongs to another platform run.
    """
    validate_scenario_run_id(scenario_run_id)
    entry = authority.lookup(scenario_run_id)
    if entry is None:
        raise FailClosed(
            SR_RUN_UNKNOWN,
            f"no scenario run {scenario_run_id} in this profile's authority store",
            {"scenario_run_id": scenario_run_id},
        )
    if platform_run_id is not None and platform_run_id != entry.platform_run_id:
        raise FailClosed(
            mismatch,
            f"scenario run {scenario_run_id} belongs to {entry.platform_run_id}, not {platform_run_id}",
            {"scenario_run_id": scenario_run_id, "owner": entry.platform_run_id, "asked": platform_run_id},
        )
    return entry
