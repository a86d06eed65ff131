"""The test-only SR pause (FP_TEST_SR_PAUSE_AT, config/faults.py): parsed strictly, never on a real dev_min.

The SIGKILL bound test (tests/integration/sr/test_sr_lease_expiry.py) depends on it to stop a real
`fp sr submit` at a known commit point while it holds its lease.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from fraud_platform.config import Profile, load_profile
from fraud_platform.config._reasons import PROFILE_INVALID
from fraud_platform.config.faults import SR_PAUSE_ENV, SR_PAUSE_POINTS, PausePoint, sr_pause
from fraud_platform.core.errors import FailClosed
from fraud_platform.sr.decide import AFTER_FACTS_VIEW, AFTER_STATUS_READY, BEFORE_EVIDENCE

_LOCAL_PINS = {
    "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:18333",
    "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
    "FP_LOCAL_STATE_DSN": "sqlite:////tmp/fp-sr-pause/authority.sqlite",
    "FP_LOCAL_IG_PORT": "18080",
}
_DEV_MIN = {
    "DEV_MIN_AWS_REGION": "eu-west-2",
    "DEV_MIN_OBJECT_STORE_BUCKET": "fp-dev-min-object-store",
    "DEV_MIN_EVIDENCE_BUCKET": "fp-dev-min-evidence",
    "DEV_MIN_KAFKA_BOOTSTRAP": "pkc-12345.eu-west-2.aws.confluent.cloud:9092",
    "DEV_MIN_KAFKA_API_KEY": "CKAPIKEY0123456789",
    "DEV_MIN_KAFKA_API_SECRET": "cfltSecret/with+base64=chars",
    "DEV_MIN_STATE_DSN": "postgresql+psycopg://fp_app:pg-Pa55word-xyz@db.dev-min.example.com:5432/fp",
    "DEV_MIN_IG_URL": "https://ig.dev-min.example.com",
}


def _local(tmp_path: Path, value: str | None) -> Profile:
    env = {**_LOCAL_PINS, "FP_HOME": str(tmp_path)}
    if value is not None:
        env[SR_PAUSE_ENV] = value
    return load_profile("local_parity", env=env, fp_home=tmp_path)


def test_the_pause_points_are_the_runners_hook_names() -> None:
    assert SR_PAUSE_POINTS == (BEFORE_EVIDENCE, AFTER_FACTS_VIEW, AFTER_STATUS_READY)


def test_unset_means_no_pause_and_a_valid_value_is_parsed(tmp_path: Path) -> None:
    assert sr_pause(_local(tmp_path, None)) is None
    assert sr_pause(_local(tmp_path, "")) is None
    assert sr_pause(_local(tmp_path, "before_evidence:60")) == PausePoint("before_evidence", 60.0)


def test_a_hold_file_prolongs_the_pause_until_it_is_removed(tmp_path: Path) -> None:
    hold = tmp_path / "hold"
    pause = sr_pause(_local(tmp_path, f"before_evidence:0.01:{hold}"))
    assert pause == PausePoint("before_evidence", 0.01, str(hold))
    hold.touch()
    released: list[float] = []

    def waiter() -> None:
        pause.wait()
        released.append(time.monotonic())

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.3)
    assert not released and thread.is_alive()  # still held: the file exists
    lifted_at = time.monotonic()
    hold.unlink()
    thread.join(timeout=5)
    assert released and released[0] >= lifted_at


@pytest.mark.parametrize(
    "value",
    ["before_evidence", "nowhere:5", "before_evidence:abc", "before_evidence:0", "after_facts_view:nan"],
)
def test_a_malformed_pause_is_refused_not_ignored(tmp_path: Path, value: str) -> None:
    with pytest.raises(FailClosed) as refused:
        sr_pause(_local(tmp_path, value))
    assert refused.value.code == PROFILE_INVALID


def test_a_real_dev_min_refuses_the_hook_and_a_rehearsal_accepts_it() -> None:
    real = load_profile("dev_min", env={**_DEV_MIN, SR_PAUSE_ENV: "before_evidence:5"})
    with pytest.raises(FailClosed) as refused:
        sr_pause(real)
    assert refused.value.code == PROFILE_INVALID
    rehearsal = load_profile("dev_min", env={**_DEV_MIN, SR_PAUSE_ENV: "before_evidence:5"}, rehearsal=True)
    assert sr_pause(rehearsal) == PausePoint("before_evidence", 5.0)
