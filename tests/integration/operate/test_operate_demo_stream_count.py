"""The demo's independent count of a run's records on its topics, against the real tansu.

Records are told apart by their `platform_run_id` header (other runs share the topics); a second copy
of an event is counted, and a shortfall is reported as such once the deadline passes, never papered
over with a high watermark.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fraud_platform.config import Profile, kafka_settings, load_profile
from fraud_platform.eb.envelope import ROUTES
from fraud_platform.eb.topics import TOPICS
from fraud_platform.operate.demo_stream import reconcile
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus.port import OutboundRecord
from fraud_platform.substrate.local import LocalSubstrates

pytestmark = pytest.mark.integration

_BASELINE = "s2_event_stream_baseline_6B"
_FRAUD = "s3_event_stream_with_fraud_6B"


@pytest.fixture(scope="module")
def profile(local_substrates: LocalSubstrates) -> Profile:
    loaded = load_profile("local_parity", env=local_substrates.env, fp_home=local_substrates.fp_home)
    factory.open_admin(kafka_settings(loaded, "operator")).ensure_topics(TOPICS)
    return loaded


def _produce(profile: Profile, records: list[tuple[str, str, str]]) -> None:
    """(output_id, platform_run_id, event_id) → one record each on the output's topic."""
    producer = factory.open_producer(kafka_settings(profile, "operator"))
    try:
        producer.produce_batch(
            [
                OutboundRecord(
                    ROUTES[output].topic,
                    b"{}",
                    b"1",
                    {"event_id": event.encode(), "platform_run_id": run.encode()},
                )
                for output, run, event in records
            ]
        )
    finally:
        producer.close()


def _result(**admitted: int) -> dict[str, Any]:
    return {
        "outputs": {
            output: {"sent": count, "admitted": count, "duplicate": 0, "quarantined": 0}
            for output, count in admitted.items()
        }
    }


def test_counts_only_this_runs_records_and_reconciles(profile: Profile) -> None:
    mine, other = f"platform_{uuid.uuid4().hex}", f"platform_{uuid.uuid4().hex}"
    _produce(
        profile,
        [(_BASELINE, mine, "b1"), (_BASELINE, mine, "b2"), (_FRAUD, mine, "f1"), (_BASELINE, other, "x1")],
    )
    rows = {row.output_id: row for row in reconcile(profile, mine, _result(**{_BASELINE: 2, _FRAUD: 1}))}
    assert (rows[_BASELINE].on_topic, rows[_BASELINE].distinct_on_topic) == (2, 2)
    assert (rows[_FRAUD].on_topic, rows[_FRAUD].distinct_on_topic) == (1, 1)
    assert all(row.problems == [] for row in rows.values())


def test_a_second_copy_and_a_shortfall_do_not_reconcile(profile: Profile) -> None:
    run = f"platform_{uuid.uuid4().hex}"
    _produce(profile, [(_BASELINE, run, "b1"), (_BASELINE, run, "b1"), (_FRAUD, run, "f1")])
    rows = {
        row.output_id: row
        for row in reconcile(profile, run, _result(**{_BASELINE: 2, _FRAUD: 3}), deadline_s=4.0)
    }
    assert rows[_BASELINE].problems == [f"1 second copies on {ROUTES[_BASELINE].topic}"]
    assert rows[_FRAUD].problems == [f"1 record(s) on {ROUTES[_FRAUD].topic}, 3 admitted"]
