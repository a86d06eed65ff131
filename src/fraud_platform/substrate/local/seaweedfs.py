"""SeaweedFS (`weed mini`) as the local S3 API: every listener on 127.0.0.1, no anonymous access.

`weed mini` runs master, volume, filer, S3 gateway and admin in one process. Each of its ten TCP
listeners gets an explicit free port (the defaults would collide between parallel sessions and the
gRPC defaults of `port + 10000` overflow for high ports); Iceberg, Lance, WebDAV, the admin UI and
telemetry are switched off. Its mini worker dials the admin gRPC port at `admin.port + 10000`
whatever `-admin.port.grpc` says, so we choose the admin pair that way.

Ready means a real signed PUT by the operator succeeded (about 1.5 s after start), not just an open
port: before that the S3 gateway accepts connections but cannot yet place data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from fraud_platform.core.errors import TransientError
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.substrate.local._reasons import SUBSTRATE_START_FAILED
from fraud_platform.substrate.local.binaries import weed_binary
from fraud_platform.substrate.local.ports import LOOPBACK, find_free_ports
from fraud_platform.substrate.local.process import pid_alive, start_process, stop_process
from fraud_platform.substrate.local.state_file import ProcessRecord, SubstratePaths
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = [
    "PROBE_BUCKET",
    "SEAWEEDFS",
    "WEED_PORT_NAMES",
    "allocate_weed_ports",
    "probe_s3",
    "s3_client",
    "start_seaweedfs",
    "weed_argv",
]

SEAWEEDFS = "seaweedfs"
PROBE_BUCKET = "fp-substrate"
_PROBE_KEY = "health/ready"
WEED_PORT_NAMES = (
    "admin",
    "admin_grpc",
    "s3",
    "s3_grpc",
    "master",
    "master_grpc",
    "volume",
    "volume_grpc",
    "filer",
    "filer_grpc",
)
_POLL_INTERVAL_S = 0.2


def allocate_weed_ports(avoid: set[int]) -> dict[str, int]:
    """Ten free loopback ports; `admin_grpc` is `admin + 10000` (see the module docstring)."""
    admin, *rest = find_free_ports(len(WEED_PORT_NAMES) - 1, avoid=avoid, offset_pairs=1)
    return {"admin": admin, "admin_grpc": admin + 10000, **dict(zip(WEED_PORT_NAMES[2:], rest, strict=True))}


def weed_argv(binary: Path, data_dir: Path, identities_file: Path, ports: Mapping[str, int]) -> list[str]:
    """The full `weed mini` command line: loopback only, explicit ports, no extras, auth on."""
    argv = [
        str(binary),
        "mini",
        f"-dir={data_dir}",
        f"-ip={LOOPBACK}",
        f"-ip.bind={LOOPBACK}",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        "-volume.preStopSeconds=0",
        f"-s3.config={identities_file}",
    ]
    flags = {
        "admin": "-admin.port",
        "admin_grpc": "-admin.port.grpc",
        "s3": "-s3.port",
        "s3_grpc": "-s3.port.grpc",
        "master": "-master.port",
        "master_grpc": "-master.port.grpc",
        "volume": "-volume.port",
        "volume_grpc": "-volume.port.grpc",
        "filer": "-filer.port",
        "filer_grpc": "-filer.port.grpc",
    }
    argv.extend(f"{flags[name]}={ports[name]}" for name in WEED_PORT_NAMES)
    return argv


def s3_client(credentials: S3Credentials) -> Any:
    """A boto3 S3 client for the local endpoint (path style, no payload hashing, no retries)."""
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=credentials.region,
    )
    return session.client(
        "s3",
        endpoint_url=credentials.endpoint_url,
        config=Config(
            s3={"addressing_style": "path", "payload_signing_enabled": False},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=2,
            read_timeout=5,
        ),
    )


def _signed_put(credentials: S3Credentials) -> None:
    client = s3_client(credentials)
    try:
        client.create_bucket(Bucket=PROBE_BUCKET)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise
    client.put_object(Bucket=PROBE_BUCKET, Key=_PROBE_KEY, Body=b"ready")


def probe_s3(credentials: S3Credentials) -> bool:
    """Whether a signed ListBuckets by `credentials` succeeds now (status check; never raises)."""
    try:
        s3_client(credentials).list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


def _log_tail(log_path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def start_seaweedfs(
    paths: SubstratePaths,
    ports: Mapping[str, int],
    operator: tuple[str, str],
    *,
    clock: Clock,
    die_with_parent: bool,
    on_spawn: Callable[[ProcessRecord], None],
    ready_timeout_s: float = 30.0,
) -> ProcessRecord:
    """Start `weed mini` and return once a signed operator PUT succeeded.

    `on_spawn` is called with the record right after the process exists (before the wait), so the
    PID is on disk even if this process is killed while waiting. Blocks up to `ready_timeout_s`.
    Raises TransientError(SUBSTRATE_START_FAILED) if the process exits or the PUT keeps failing;
    the process is stopped first.
    """
    binary = weed_binary()
    paths.seaweedfs_data.mkdir(parents=True, exist_ok=True)
    log_path = paths.logs_dir / "seaweedfs.log"
    argv = weed_argv(binary, paths.seaweedfs_data, paths.identities_file, ports)
    # HOME points into FP_HOME so that no ~/.seaweedfs/*.toml of the user reconfigures the server.
    env = {"HOME": str(paths.fp_home / "seaweedfs"), "PATH": "/usr/bin:/bin"}
    pid = start_process(
        argv, env=env, cwd=paths.seaweedfs_data, log_path=log_path, die_with_parent=die_with_parent
    )
    record = ProcessRecord(
        name=SEAWEEDFS,
        pid=pid,
        executable=str(binary),
        argv=tuple(argv),
        ports=dict(ports),
        log_path=str(log_path),
        data_dir=str(paths.seaweedfs_data),
        started_at=format_utc(clock.now()),
    )
    on_spawn(record)
    credentials = S3Credentials(
        endpoint_url=f"http://{LOOPBACK}:{ports['s3']}",
        region="us-east-1",
        access_key_id=operator[0],
        secret_access_key=operator[1],
    )
    try:
        _wait_ready(record, credentials, log_path, clock, ready_timeout_s)
    except TransientError:
        stop_process(pid, str(binary), clock=clock)
        raise
    return record


def _wait_ready(
    record: ProcessRecord, credentials: S3Credentials, log_path: Path, clock: Clock, timeout_s: float
) -> None:
    deadline = clock.monotonic() + timeout_s
    last_error = "no attempt yet"
    while clock.monotonic() < deadline:
        if not pid_alive(record.pid, record.executable):
            raise TransientError(
                SUBSTRATE_START_FAILED,
                f"weed mini exited during start-up; log tail:\n{_log_tail(log_path)}",
                {"pid": record.pid, "log": str(log_path)},
            )
        try:
            _signed_put(credentials)
        except (BotoCoreError, ClientError) as error:
            last_error = repr(error)
            time.sleep(_POLL_INTERVAL_S)
            continue
        return
    raise TransientError(
        SUBSTRATE_START_FAILED,
        f"no signed PUT succeeded within {timeout_s:.0f}s: {last_error}",
        {"pid": record.pid, "log": str(log_path)},
    )
