"""Governance-fact families the World Streamer Producer emits (registered with obs).

Details hold no wall-clock, so handling the same READY again re-emits the same fact (idempotent).
"""

from __future__ import annotations

from fraud_platform.obs.families import register_family

__all__ = ["WSP_READY_REJECTED", "WSP_READY_SKIPPED", "WSP_READY_STREAMED"]

WSP_READY_SKIPPED = register_family(
    "WSP_READY_SKIPPED",
    "WSP skipped a READY of another platform run than the one it serves (SKIPPED_OUT_OF_SCOPE)",
    owner="wsp",
    required_details=("message_id", "ready_platform_run_id"),
)
WSP_READY_REJECTED = register_family(
    "WSP_READY_REJECTED",
    "WSP refused a READY: it failed verification against its facts view, policy or Oracle pack",
    owner="wsp",
    required_details=("message_id", "reason_code", "detail"),
)
WSP_READY_STREAMED = register_family(
    "WSP_READY_STREAMED",
    "WSP streamed every output a READY names through IG (per output: sent and IG decisions)",
    owner="wsp",
    required_details=("message_id", "scenario_run_id", "outputs"),
)
