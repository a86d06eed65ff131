"""tansu as the local Kafka API: one broker on 127.0.0.1, storage on SeaweedFS (`s3`) or in memory.

tansu 0.6 opens exactly one TCP listener (the Kafka port; there is no Prometheus port in this
build), so `--listener-url` and `--advertised-listener-url` on 127.0.0.1 are all the binding it
needs. The child gets a complete, explicit environment: tansu reads `STORAGE_ENGINE`,
`LISTENER_URL`, `OTEL_EXPORTER_OTLP_ENDPOINT` … from the environment, and a stray value in the
caller's shell must not reconfigure it. With `s3` storage it writes to bucket `fp-tansu` with the
operator key pair (AWS_* variables, path-style over plain HTTP).

Ready means a Kafka metadata request (AdminClient.list_topics) answered, not just an open port.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from fraud_platform.core.errors import TransientError
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.substrate.local._reasons import SUBSTRATE_START_FAILED
from fraud_platform.substrate.local.binaries import tansu_binary
from fraud_platform.substrate.local.ports import LOOPBACK, port_is_listening
from fraud_platform.substrate.local.process import pid_alive, start_process, stop_process
from fraud_platform.substrate.local.seaweedfs import s3_client
from fraud_platform.substrate.local.state_file import ProcessRecord, SubstratePaths
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = [
    "KAFKA_STORAGES",
    "TANSU",
    "TANSU_BUCKET",
    "ensure_tansu_bucket",
    "probe_kafka",
    "start_tansu",
    "tansu_argv",
    "tansu_env",
]

TANSU = "tansu"
TANSU_BUCKET = "fp-tansu"
KAFKA_STORAGES = ("s3", "memory")
_POLL_INTERVAL_S = 0.1


def tansu_argv(binary: Path, port: int, storage_url: str) -> list[str]:
    """`tansu broker` on 127.0.0.1:`port`, advertising the same address, with `storage_url`."""
    listener = f"tcp://{LOOPBACK}:{port}"
    return [
        str(binary),
        "broker",
        "--listener-url",
        listener,
        "--advertised-listener-url",
        listener,
        "--storage-engine",
        storage_url,
    ]


def tansu_env(storage: str, operator: S3Credentials | None) -> dict[str, str]:
    """The whole environment of the broker: AWS_* for `s3` storage, nothing else."""
    env = {"PATH": "/usr/bin:/bin"}
    if storage == "s3":
        if operator is None or operator.endpoint_url is None:
            raise ValueError("s3 storage needs the operator credentials and an endpoint")
        env.update(
            {
                "AWS_ENDPOINT": operator.endpoint_url,
                "AWS_ACCESS_KEY_ID": operator.access_key_id,
                "AWS_SECRET_ACCESS_KEY": operator.secret_access_key,
                "AWS_DEFAULT_REGION": operator.region,
                "AWS_ALLOW_HTTP": "true",
            }
        )
    return env


def ensure_tansu_bucket(operator: S3Credentials) -> None:
    """Create the `fp-tansu` bucket if absent (idempotent)."""
    try:
        s3_client(operator).create_bucket(Bucket=TANSU_BUCKET)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise TransientError(
                SUBSTRATE_START_FAILED, f"could not create bucket {TANSU_BUCKET}: {error}", {}
            ) from error
    except BotoCoreError as error:
        raise TransientError(
            SUBSTRATE_START_FAILED, f"could not create bucket {TANSU_BUCKET}: {error}", {}
        ) from error


def probe_kafka(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """Whether a metadata request to `bootstrap` answers within `timeout_s` (never raises)."""
    host, _, port = bootstrap.rpartition(":")
    if not port_is_listening(int(port), host):
        return False
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout_s * 1000)})
    try:
        admin.list_topics(timeout=timeout_s)
    except KafkaException:
        return False
    return True


def start_tansu(
    paths: SubstratePaths,
    port: int,
    storage: str,
    operator: S3Credentials | None,
    *,
    clock: Clock,
    die_with_parent: bool,
    on_spawn: Callable[[ProcessRecord], None],
    ready_timeout_s: float = 30.0,
) -> ProcessRecord:
    """Start the broker and return once a metadata request succeeded; blocks up to `ready_timeout_s`.

    `on_spawn` gets the record as soon as the process exists (see `start_seaweedfs`). Raises
    TransientError(SUBSTRATE_START_FAILED) (after stopping the process) if it never answers.
    """
    if storage not in KAFKA_STORAGES:
        raise ValueError(f"kafka storage must be one of {KAFKA_STORAGES}, not {storage!r}")
    binary = tansu_binary()
    storage_url = f"s3://{TANSU_BUCKET}/" if storage == "s3" else "memory://tansu/"
    if storage == "s3" and operator is not None:
        ensure_tansu_bucket(operator)
    argv = tansu_argv(binary, port, storage_url)
    log_path = paths.logs_dir / "tansu.log"
    paths.tansu_dir.mkdir(parents=True, exist_ok=True)
    pid = start_process(
        argv,
        env=tansu_env(storage, operator),
        cwd=paths.tansu_dir,
        log_path=log_path,
        die_with_parent=die_with_parent,
    )
    record = ProcessRecord(
        name=TANSU,
        pid=pid,
        executable=str(binary),
        argv=tuple(argv),
        ports={"kafka": port},
        log_path=str(log_path),
        data_dir=f"s3://{TANSU_BUCKET}/" if storage == "s3" else None,
        started_at=format_utc(clock.now()),
    )
    on_spawn(record)
    try:
        _wait_ready(record, f"{LOOPBACK}:{port}", clock, ready_timeout_s)
    except TransientError:
        stop_process(pid, str(binary), clock=clock)
        raise
    return record


def _wait_ready(record: ProcessRecord, bootstrap: str, clock: Clock, timeout_s: float) -> None:
    deadline = clock.monotonic() + timeout_s
    while clock.monotonic() < deadline:
        if not pid_alive(record.pid, record.executable):
            raise TransientError(
                SUBSTRATE_START_FAILED,
                "tansu exited during start-up (see its log)",
                {"pid": record.pid, "log": record.log_path},
            )
        if probe_kafka(bootstrap, timeout_s=2.0):
            return
        time.sleep(_POLL_INTERVAL_S)
    raise TransientError(
        SUBSTRATE_START_FAILED,
        f"tansu did not answer a metadata request within {timeout_s:.0f}s",
        {"pid": record.pid, "log": record.log_path},
    )
