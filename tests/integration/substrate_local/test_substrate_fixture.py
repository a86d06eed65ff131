"""The session fixture itself: both substrates answer with the operator credentials it hands out."""

from __future__ import annotations

import json

import pytest
from confluent_kafka.admin import AdminClient

from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.local.seaweedfs import s3_client

pytestmark = pytest.mark.integration


def test_substrate_fixture_gives_working_endpoints(local_substrates: LocalSubstrates) -> None:
    client = s3_client(local_substrates.operator)
    client.create_bucket(Bucket="fp-fixture-check")
    client.put_object(Bucket="fp-fixture-check", Key="a", Body=b"hello")
    assert client.get_object(Bucket="fp-fixture-check", Key="a")["Body"].read() == b"hello"
    metadata = AdminClient({"bootstrap.servers": local_substrates.kafka_bootstrap}).list_topics(timeout=5)
    assert metadata.brokers
    pins = json.loads((local_substrates.fp_home / "local_pins.json").read_text())
    assert pins == {key: value for key, value in local_substrates.env.items() if key.startswith("FP_LOCAL_")}
    assert local_substrates.env["FP_HOME"] == str(local_substrates.fp_home)
    assert local_substrates.operator.role == "operator"
    assert local_substrates.operator.region == "us-east-1"
