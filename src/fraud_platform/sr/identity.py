"""Identity laws of the Scenario Runner (CONTRACTS.md, "Identities").

Every id here is a pure function of its inputs: no wall-clock, no locations, so re-planning an
existing run cannot drift and a pack moved to another root keeps its ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fraud_platform.core.canonical import canonical_bytes, sha256_hex

__all__ = [
    "bundle_hash",
    "intent_fingerprint",
    "ready_message_id",
    "run_config_digest",
    "scenario_run_id",
]

def scenario_run_id(run_equivalence_key: str) -> str:
    """First 32 hex of sha256("sr_run|" + run_equivalence_key)."""
    if not run_equivalence_key:
        raise ValueError("run_equivalence_key must not be empty")
    return sha256_hex("sr_run|" + run_equivalence_key)[:32]


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
    """sha256(cj1 {locators sorted by output_id, gate receipts sorted by gate_id, policy})."""
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
