"""The code a caller sees for each state (ok only for a READY whose publication is confirmed)."""

from __future__ import annotations

import pytest

from fraud_platform.sr.documents import RunFlags, RunStatus
from fraud_platform.sr.outcome import SrOutcome, outcome_code
from fraud_platform.sr.states import RunState


def _status(state: RunState, reason: str | None = None) -> RunStatus:
    return RunStatus(
        platform_run_id="platform_20260101T000000Z",
        scenario_run_id="0" * 32,
        state=state,
        version=3,
        reason=reason,
        accepted_at_utc="2026-01-01T00:00:00.000000Z",
        deadline_utc="2026-01-01T00:05:00.000000Z",
        updated_at_utc="2026-01-01T00:00:01.000000Z",
        flags=RunFlags(profile="local_parity", rehearsal=False),
    )


@pytest.mark.parametrize(
    ("state", "reason", "published", "elsewhere", "code"),
    [
        (RunState.READY, None, True, False, "OK"),
        (RunState.READY, None, False, False, "READY_NOT_PUBLISHED"),
        (RunState.READY, None, False, True, "SR_RUN_IN_PROGRESS"),
        (RunState.READY, None, True, True, "OK"),
        (RunState.WAITING_EVIDENCE, "STREAM_VIEW_MISSING", False, False, "EVIDENCE_WAITING"),
        (RunState.WAITING_EVIDENCE, "STREAM_VIEW_MISSING", False, True, "SR_RUN_IN_PROGRESS"),
        (RunState.FAILED, "EVIDENCE_MISSING_DEADLINE", False, False, "EVIDENCE_MISSING_DEADLINE"),
        (RunState.QUARANTINED, "EVIDENCE_CONFLICT", False, True, "EVIDENCE_CONFLICT"),
        (RunState.PLANNED, None, False, False, "SR_RUN_IN_PROGRESS"),
    ],
)
def test_outcome_codes(
    state: RunState, reason: str | None, published: bool, elsewhere: bool, code: str
) -> None:
    status = _status(state, reason)
    assert outcome_code(state, status, published=published, driving_elsewhere=elsewhere) == code
    outcome = SrOutcome("platform_20260101T000000Z", "0" * 32, state, code, published=published)
    assert outcome.ok is (code == "OK")
    payload = outcome.to_json()
    assert {"state", "platform_run_id", "scenario_run_id", "message_id"} <= set(payload)
