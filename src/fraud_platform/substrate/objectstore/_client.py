"""Construction of the one boto3 S3 client an adapter shares across threads.

The settings are the ones measured to work against both AWS S3 and SeaweedFS:
- path-style addressing for a custom endpoint (virtual-host style needs wildcard DNS on loopback);
- no SHA-256 payload signing and no default CRC32 request checksum: over `http://` botocore would
  otherwise hash every body twice, and integrity is carried explicitly instead (`ChecksumSHA256` on
  single puts, `Content-MD5` on parts, the `sha256` metadata on every object);
- standard retries with bounded timeouts, and a connection pool sized for a landing thread pool.
"""

from __future__ import annotations

from typing import Any

import boto3.session
from botocore.config import Config

from fraud_platform.core.redact import register_secret
from fraud_platform.substrate.objectstore.port import S3Credentials
from fraud_platform.substrate.telemetry import install_s3_hooks

__all__ = ["DEFAULT_MAX_POOL_CONNECTIONS", "build_s3_client"]

DEFAULT_MAX_POOL_CONNECTIONS = 32
_MIN_REDACTABLE = 6


def build_s3_client(
    creds: S3Credentials,
    *,
    max_pool_connections: int = DEFAULT_MAX_POOL_CONNECTIONS,
    connect_timeout_s: float = 5.0,
    read_timeout_s: float = 60.0,
    max_attempts: int = 4,
) -> Any:
    """A thread-safe botocore S3 client for one role, with telemetry hooks installed.

    Does not contact the endpoint. A fresh boto3 Session is used because the default session is
    not safe to create clients from concurrently.
    """
    if len(creds.secret_access_key) >= _MIN_REDACTABLE:
        register_secret(creds.secret_access_key)
    config = Config(
        region_name=creds.region,
        signature_version="s3v4",
        s3={
            "addressing_style": "path" if creds.endpoint_url else "auto",
            "payload_signing_enabled": False,
        },
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        max_pool_connections=max_pool_connections,
        tcp_keepalive=True,
        user_agent_extra=f"fraud-platform/{creds.role}",
    )
    session = boto3.session.Session()
    client = session.client(
        "s3",
        endpoint_url=creds.endpoint_url,
        region_name=creds.region,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=config,
    )
    install_s3_hooks(client, creds.role)
    return client
