"""Identity laws of the Scenario Runner (CONTRACTS.md, "Identities").

Every id here is a pure function of its inputs: no wall-clock, no locations, so re-planning an
existing run cannot drift and a pack moved to another root keeps its ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.sr._reasons import SR_RUN_ID_INVALID

__all__ = [
    "bundle_hash",
    "intent_fingerprint",
    "ready_message_id",
    "run_config_digest",
    "scenario_run_id",
    "stream_view_id",
    "validate_scenario_run_id",
]

_SCENARIO_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def scenario_run_id(run_equivalence_key: str) -> str:
    """First 32 hex of sha256("sr_run|" + run_equivalence_key)."""
    if not run_equivalence_key:
        raise ValueError("run_equivalence_key must not be empty")
    return sha256_hex("sr_run|" + run_equivalence_key)[:32]


def validate_scenario_run_id(value: str) -> str:
    """Return `value` if it has the shape of a scenario_run_id, else FailClosed(SR_RUN_ID_INVALID).

    The id names S3 keys and state-store rows, so anything else is refused before it can name one.
    """
    if not isinstance(value, str) or not _SCENARIO_RUN_ID.match(value):
        raise FailClosed(SR_RUN_ID_INVALID, f"{value!r} is not 32 lowercase hex characters")
    return value


def intent_fingerprint(
    world_key: Mapping[str, Any], output_ids: Sequence[str], pins: Mapping[str, Any]
) -> str:
    """sha256(cj1 of the request's world key, output ids (sorted) and pins); times never enter."""
    body = {"world_key": dict(world_key), "output_ids": sorted(output_ids), "pins": dict(pins)}
    return sha256_hex(canonical_bytes(body))


def run_config_digest(policy: Mapping[str, Any]) -> str:
    """sha256(cj1 of the effective SR + WSP + IG policy): one meaning everywhere, never typed by hand."""
    return sha256_hex(canonical_bytes(dict(policy)))


def bundle_hash(
    locators: Sequence[Mapping[str, Any]],
    gate_receipts: Sequence[Mapping[str, Any]],
    policy: Mapping[str, Any],
) -> str:
    """sha256(cj1 {locators sorted by output_id, gate receipts sorted by gate_id, policy}).

    A locator (from `oracle.check`) binds the committed attempt of one view, location-free:
    `{output_id, stream_view_id, attempt_id, receipt_path, receipt_sha256, view_manifest_path,
    view_manifest_sha256}` with paths relative to the pack root. A view re-sorted into another
    attempt is another bundle, so READY can never stand for bytes it did not check.
    """
    body = {
        "locators": sorted((dict(item) for item in locators), key=lambda item: str(item["output_id"])),
        "gate_receipts": sorted(
            (dict(item) for item in gate_receipts), key=lambda item: str(item["gate_id"])
        ),
        "policy": dict(policy),
    }
    return sha256_hex(canonical_bytes(body))


def ready_message_id(platform_run_id: str, scenario_run_id_value: str, bundle_hash_value: str) -> str:
    """sha256("ready|" + platform_run_id + "|" + scenario_run_id + "|" + bundle_hash)."""
    return sha256_hex(f"ready|{platform_run_id}|{scenario_run_id_value}|{bundle_hash_value}")


def stream_view_id(oracle_pack_id: str, output_id: str, sort_keys: Sequence[str]) -> str:
    """sha256(cj1 {"oracle_pack_id", "output_id", "sort_keys"}): a view's identity, on any root."""
    return sha256_hex(
        canonical_bytes(
            {"oracle_pack_id": oracle_pack_id, "output_id": output_id, "sort_keys": list(sort_keys)}
        )
    )
