"""The effective policy and the outputs a run streams: computed, never typed, same on every profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraud_platform.config import load_profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.sr.identity import run_config_digest
from fraud_platform.sr.policy import effective_policy, intended_outputs

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


def test_default_outputs_are_the_catalogue_stream_set_sorted() -> None:
    assert intended_outputs(None) == tuple(sorted(load_catalogue().default_stream_outputs))


def test_requested_outputs_are_deduplicated_and_sorted() -> None:
    assert intended_outputs(["s2_event_stream_baseline_6B", "arrival_events_5B", "arrival_events_5B"]) == (
        "arrival_events_5B",
        "s2_event_stream_baseline_6B",
    )


@pytest.mark.parametrize(
    ("output", "code"),
    [("no_such_output", "OUTPUT_UNKNOWN"), ("s4_event_labels_6B", "OUTPUT_NOT_STREAMED")],
)
def test_unknown_and_batch_outputs_are_refused(output: str, code: str) -> None:
    with pytest.raises(FailClosed) as caught:
        intended_outputs([output])
    assert caught.value.code == code


def test_run_config_digest_is_the_same_on_both_profiles(tmp_path: Path) -> None:
    local = load_profile(
        "local_parity",
        env={
            "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:18333",
            "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
            "FP_LOCAL_STATE_DSN": f"sqlite:///{tmp_path / 'a.sqlite'}",
            "FP_LOCAL_IG_PORT": "18080",
        },
        fp_home=tmp_path,
    )
    dev_min = load_profile("dev_min", env=_DEV_MIN)
    outputs = intended_outputs(None)
    local_policy, dev_policy = effective_policy(local, outputs), effective_policy(dev_min, outputs)
    assert run_config_digest(local_policy) == run_config_digest(dev_policy)
    assert local_policy["wsp"]["routes"]["arrival_events_5B"] == "fp.bus.context.arrival_events.v1"
    fewer = effective_policy(local, outputs[:1])
    assert run_config_digest(fewer) != run_config_digest(local_policy)
