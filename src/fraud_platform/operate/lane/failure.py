"""The failure document of a lane attempt that stopped before its commit: why, with the children's story.

Why a document and not only the CLI's error line: an operator (or the ladder) looking at a run that
never committed must find *why* in the run's evidence, not in a terminal that is gone. Each failed
attempt writes one immutable `evidence/runs/{id}/lane_failures/{seq:06d}.json` (a rerun that fails
again is a new number; none is ever rewritten) holding the reason code, the detail, the refs (for a
child that died or was not ready: its exit code and the redacted tail of its log) and the
supervisor's record of every start, death, restart and stop. It sits outside the closure bundle: a
rerun that converges commits a bundle whose `run_completed.json` does not name it, and the failure
history stays readable beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.obs.evidence import RunEvidence, append_to_sequence
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["LANE_FAILURES", "LANE_FAILURE_SCHEMA_VERSION", "write_failure"]

LANE_FAILURE_SCHEMA_VERSION: Final = "fp.operate.lane_failure.v1"
LANE_FAILURES: Final = "lane_failures/"


def write_failure(
    store: ObjectStore,
    evidence: RunEvidence,
    clock: Clock,
    error: PlatformError,
    step: str,
    processes: Mapping[str, Any],
) -> str:
    """Write the next `lane_failures/{seq:06d}.json` for this attempt; returns its URI."""
    at = format_utc(clock.now())

    def body_for(seq: int) -> bytes:
        return canonical_file_bytes(
            {
                "schema_version": LANE_FAILURE_SCHEMA_VERSION,
                "platform_run_id": evidence.platform_run_id,
                "attempt": seq,
                "failed_at_utc": at,
                "step": step,
                "code": str(error.code),
                "transient": error.transient,
                "detail": error.detail,
                "refs": dict(error.refs),
                "processes": dict(processes),
            }
        )

    location, _seq = append_to_sequence(store, evidence.prefix.child(LANE_FAILURES), body_for)
    return location.uri
