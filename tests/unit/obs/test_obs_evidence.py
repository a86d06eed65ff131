"""The evidence layout and the run-id check it enforces before a key is ever built."""

from __future__ import annotations

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.evidence import RunEvidence, validate_platform_run_id

RUN = "platform_20250102T030405Z"


def test_layout_matches_the_contract() -> None:
    run = RunEvidence("fp-evidence", RUN)
    base = f"s3://fp-evidence/evidence/runs/{RUN}/"
    assert run.prefix.uri == base
    assert run.run_manifest.uri == base + "run.json"
    assert run.preflight.uri == base + "preflight.json"
    assert run.preflight_attempts.uri == base + "preflight_attempts/"
    assert run.fact("RUN_MINTED", "ab" * 32).uri == base + "governance/RUN_MINTED/" + "ab" * 32 + ".json"
    assert run.telemetry_parts.uri == base + "telemetry_parts/"
    assert run.telemetry_rollup.uri == base + "telemetry.json"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "platform_20250102T030405",
        "platform_20251302T030405Z",
        "platform_20250102T250405Z",
        "platform_20250102T030405Z/../x",
        "PLATFORM_20250102T030405Z",
        "platform_2025-01-02T03:04:05Z",
    ],
)
def test_malformed_run_ids_are_refused(bad: str) -> None:
    with pytest.raises(FailClosed) as caught:
        validate_platform_run_id(bad)
    assert caught.value.code == "RUN_ID_INVALID"
    with pytest.raises(FailClosed):
        RunEvidence("fp-evidence", bad)


def test_a_valid_run_id_passes_through() -> None:
    assert validate_platform_run_id(RUN) == RUN
