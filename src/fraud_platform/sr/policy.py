"""The effective run policy (SR + WSP + IG) and the outputs a run streams.

`run_config_digest` is the digest of :func:`effective_policy`, computed here and nowhere typed by
hand. The policy holds only what changes the *meaning* of a run: the gate posture, the outputs and
the topics they route to, the validation ladder WSP walks and the IG dedupe key. Operational budgets
(the evidence deadline, worker counts), endpoints, buckets and the profile name stay out, so the same
run on `local_parity` and on `dev_min` has the same digest: the migration changes wiring, not meaning.
WSP and IG recompute the digest with this function from READY's outputs and their profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.sr._reasons import OUTPUT_NOT_STREAMED

__all__ = ["POLICY_VERSION", "effective_policy", "intended_outputs"]

POLICY_VERSION = "fp.sr.run_policy.v1"


def intended_outputs(requested: Sequence[str] | None) -> tuple[str, ...]:
    """The outputs a run streams: the request's (deduplicated, sorted) or the catalogue's default set.

    Raises FailClosed(OUTPUT_UNKNOWN) for an id the catalogue lacks and OUTPUT_NOT_STREAMED for an
    output WSP never streams (batch or truth outputs have no topic).
    """
    catalogue = load_catalogue()
    chosen = list(requested) if requested else list(catalogue.default_stream_outputs)
    for output_id in chosen:
        if catalogue.output(output_id).topic is None:
            raise FailClosed(
                OUTPUT_NOT_STREAMED,
                f"{output_id} has no topic: WSP never streams it",
                {"output_id": output_id},
            )
    return tuple(sorted(set(chosen)))


def effective_policy(profile: Profile, outputs: Sequence[str]) -> dict[str, Any]:
    """The cj1-ready policy document whose digest is the run's `run_config_digest`."""
    catalogue = load_catalogue()
    ordered = sorted(set(outputs))
    return {
        "policy_version": POLICY_VERSION,
        "sr": {
            "gate_posture": "no_pass_no_read",
            "evidence": "by_reference",
            "intended_outputs": ordered,
        },
        "wsp": {
            "reads": "stream_view",
            "ladder": list(profile.budgets.ladder),
            "routes": {output_id: catalogue.topic_for(output_id) for output_id in ordered},
        },
        "ig": {
            "dedupe_key": ["platform_run_id", "event_class", "event_id"],
            "decisions": ["ADMIT", "DUPLICATE", "QUARANTINE"],
        },
    }
