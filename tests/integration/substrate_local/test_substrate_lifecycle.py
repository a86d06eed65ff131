"""up → status → signed write, anonymous refused → idempotent up → identities reload → durable
Kafka across down/up (s3 storage) → down: PIDs gone and ports free.

One FP_HOME of its own (not the session fixture, which must not be stopped), tansu on s3 storage.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from fraud_platform.substrate.local import down, reload_identities, status, substrates, up
from fraud_platform.substrate.local.process import pid_alive
from fraud_platform.substrate.local.seaweedfs import s3_client
from fraud_platform.substrate.local.state_file import SubstratePaths, read_state, write_json_file
from fraud_platform.substrate.objectstore.port import S3Credentials

pytestmark = pytest.mark.integration

_TOPIC = "fp.substrate.durability.v1"


@pytest.fixture(scope="module")
def own_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("fp_home_lifecycle")
    try:
        yield home
    finally:
        down(home)


def _listeners_of(pids: set[int]) -> list[str]:
    ss = shutil.which("ss")
    assert ss is not None, "ss (iproute2) is needed to check the bound addresses"
    lines = subprocess.run([ss, "-ltnpH"], check=True, capture_output=True, text=True).stdout.splitlines()
    return [line.split()[3] for line in lines if any(f"pid={pid}," in line for pid in pids)]


def _produce(bootstrap: str, values: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for value in values:
        producer.produce(_TOPIC, value=value)
    assert producer.flush(10) == 0


def _consume_all(bootstrap: str, expected: int) -> list[bytes]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"fp-substrate-test-{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
        }
    )
    got: list[bytes] = []
    try:
        consumer.subscribe([_TOPIC])
        deadline = time.monotonic() + 20
        while len(got) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                value = message.value()
                assert value is not None
                got.append(value)
    finally:
        consumer.close()
    return got


def _error_code(credentials: S3Credentials, call: str, **kwargs: object) -> str | None:
    try:
        getattr(s3_client(credentials), call)(**kwargs)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def test_substrate_lifecycle(own_home: Path) -> None:
    first = up(own_home, kafka_storage="s3", die_with_parent=True)
    assert not first.already_running
    report = status(own_home)
    assert report.healthy
    handle = substrates(own_home)
    pids = {record.pid for record in first.state.processes.values()}
    all_ports = {port for record in first.state.processes.values() for port in record.ports.values()}

    # Every listener of both processes is on loopback, and they are exactly the recorded ports.
    listeners = _listeners_of(pids)
    assert listeners and all(address.startswith("127.0.0.1:") for address in listeners)
    assert {int(address.rsplit(":", 1)[1]) for address in listeners} == all_ports

    # A signed write works; anonymous requests are refused.
    operator = handle.operator
    client = s3_client(operator)
    client.create_bucket(Bucket="fp-lifecycle")
    client.put_object(Bucket="fp-lifecycle", Key="truth/a.json", Body=b"{}")
    for method, path in (("PUT", "/fp-lifecycle/anon"), ("GET", "/fp-lifecycle/truth/a.json"), ("GET", "/")):
        response = httpx.request(
            method, f"{handle.s3_endpoint}{path}", content=b"x" if method == "PUT" else None
        )
        assert response.status_code == 403, (method, path, response.text)

    # Idempotent up: same processes, said so.
    again = up(own_home, kafka_storage="s3")
    assert again.already_running
    assert {record.pid for record in again.state.processes.values()} == pids

    # Kafka on s3 storage: produce, then restart both substrates.
    admin = AdminClient({"bootstrap.servers": handle.kafka_bootstrap})
    admin.create_topics([NewTopic(_TOPIC, 1, 1)])[_TOPIC].result(10)
    _produce(handle.kafka_bootstrap, [b"m0", b"m1", b"m2"])

    # reload_identities: a new identity works, a removed one stops working, tansu keeps serving.
    paths = SubstratePaths(own_home)
    identities = json.loads(paths.identities_file.read_text())
    reader = {
        "name": "reader",
        "credentials": [{"accessKey": "FPREADER0001", "secretKey": "r" * 40}],
        "actions": ["Read"],
    }
    write_json_file(paths.identities_file, {"identities": [*identities["identities"], reader]}, mode=0o600)
    reload_identities(own_home)
    reader_creds = S3Credentials(handle.s3_endpoint, "us-east-1", "FPREADER0001", "r" * 40, role="reader")
    assert _error_code(reader_creds, "get_object", Bucket="fp-lifecycle", Key="truth/a.json") is None
    assert (
        _error_code(reader_creds, "put_object", Bucket="fp-lifecycle", Key="x", Body=b"x") == "AccessDenied"
    )
    write_json_file(paths.identities_file, identities, mode=0o600)
    reload_identities(own_home)
    assert (
        _error_code(reader_creds, "get_object", Bucket="fp-lifecycle", Key="truth/a.json")
        == "InvalidAccessKeyId"
    )
    assert status(own_home).healthy
    _produce(handle.kafka_bootstrap, [b"m3"])

    # Durability: down and up again (same ports, so the pins hold); the records are still there.
    # `admin` still holds a connection, so tansu ignores SIGTERM for ~5 s and `down` SIGKILLs it
    # after 2 s: acknowledged records survive even that.
    assert admin is not None
    down(own_home)
    restarted = up(own_home, kafka_storage="s3", die_with_parent=True)
    assert restarted.state.kafka_bootstrap == handle.kafka_bootstrap
    assert restarted.state.s3_endpoint == handle.s3_endpoint
    assert client.get_object(Bucket="fp-lifecycle", Key="truth/a.json")["Body"].read() == b"{}"
    assert _consume_all(handle.kafka_bootstrap, 4) == [b"m0", b"m1", b"m2", b"m3"]

    # down: every PID gone, every port free, state says nothing runs; a second down is a no-op.
    last = read_state(paths)
    assert last is not None
    result = down(own_home)
    assert result.stopped == ("tansu", "seaweedfs")
    for record in last.processes.values():
        assert not pid_alive(record.pid, record.executable)
    assert _listeners_of({record.pid for record in last.processes.values()}) == []
    assert not status(own_home).healthy
    assert down(own_home).was_running is False
