"""Bucket administration for bootstrap: existence, versioning, encryption, lifecycle, policy, public access.

Kept apart from the data-path port because only the operator role administers buckets, and because
the local store does not implement all of it: SeaweedFS answers `NotImplemented` to the
PublicAccessBlock API, which surfaces as FailClosed(OBJECT_STORE_FEATURE_UNSUPPORTED) so that a
caller can report the control as UNSUPPORTED_LOCALLY instead of pretending it holds.

Getters return None when the bucket has no such configuration (the S3 API's various 404 codes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import OBJECT_STORE_REQUEST_FAILED
from fraud_platform.substrate.objectstore._client import build_s3_client
from fraud_platform.substrate.objectstore.errors import aws_error_code, map_s3_errors
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = ["LifecycleRule", "S3Admin"]

_ALREADY_MINE = frozenset({"BucketAlreadyOwnedByYou"})
_NOT_CONFIGURED = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchLifecycleConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
    }
)


class _Absent(Exception):
    """Internal signal: the requested bucket configuration does not exist."""


@contextmanager
def _absent_on_not_configured() -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if aws_error_code(error) in _NOT_CONFIGURED:
            raise _Absent from error
        raise


@dataclass(frozen=True)
class LifecycleRule:
    """One lifecycle rule on a key prefix. Unset fields are omitted from the rule."""

    rule_id: str
    prefix: str
    expiration_days: int | None = None
    noncurrent_expiration_days: int | None = None
    abort_incomplete_multipart_days: int | None = None

    def to_s3(self) -> dict[str, Any]:
        """The rule in the shape of `PutBucketLifecycleConfiguration`."""
        rule: dict[str, Any] = {"ID": self.rule_id, "Status": "Enabled", "Filter": {"Prefix": self.prefix}}
        if self.expiration_days is not None:
            rule["Expiration"] = {"Days": self.expiration_days}
        if self.noncurrent_expiration_days is not None:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": self.noncurrent_expiration_days}
        if self.abort_incomplete_multipart_days is not None:
            rule["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": self.abort_incomplete_multipart_days
            }
        return rule


class S3Admin:
    """Bucket administration with one role's (normally the operator's) credentials."""

    def __init__(self, creds: S3Credentials, *, client: Any | None = None) -> None:
        self.role = creds.role
        self._region = creds.region
        self._client = client if client is not None else build_s3_client(creds)

    def list_buckets(self) -> list[str]:
        """Names of the buckets this role can see, sorted."""
        with map_s3_errors("ListBuckets"):
            response = self._client.list_buckets()
        return sorted(str(bucket["Name"]) for bucket in response.get("Buckets", []))

    def create_bucket_if_absent(self, bucket: str) -> bool:
        """Create `bucket` unless this account already owns it; True when it was created now."""
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if self._region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
        with map_s3_errors(f"s3://{bucket}"):
            try:
                self._client.create_bucket(**kwargs)
            except ClientError as error:
                if aws_error_code(error) in _ALREADY_MINE:
                    return False
                raise
        return True

    def bucket_exists(self, bucket: str) -> bool:
        """Whether `bucket` exists and this role may see it (HEAD bucket)."""
        with map_s3_errors(f"s3://{bucket}"):
            try:
                self._client.head_bucket(Bucket=bucket)
            except ClientError as error:
                if int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) == 404:
                    return False
                raise
        return True

    def put_versioning(self, bucket: str, *, enabled: bool = True) -> None:
        """Enable (or suspend) object versioning."""
        status = "Enabled" if enabled else "Suspended"
        with map_s3_errors(f"s3://{bucket}"):
            self._client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})

    def get_versioning(self, bucket: str) -> str | None:
        """`Enabled`, `Suspended`, or None when versioning was never configured."""
        with map_s3_errors(f"s3://{bucket}"):
            response = self._client.get_bucket_versioning(Bucket=bucket)
        status = response.get("Status")
        return str(status) if status else None

    def put_encryption_sse_s3(self, bucket: str) -> None:
        """Default server-side encryption with S3-managed keys (SSE-S3, AES256)."""
        config = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        with map_s3_errors(f"s3://{bucket}"):
            self._client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=config)

    def get_encryption_algorithm(self, bucket: str) -> str | None:
        """The default SSE algorithm (`AES256`, `aws:kms`, …), or None when none is configured."""
        try:
            with map_s3_errors(f"s3://{bucket}"), _absent_on_not_configured():
                response = self._client.get_bucket_encryption(Bucket=bucket)
        except _Absent:
            return None
        rules = response.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        for rule in rules:
            algorithm = rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
            if algorithm:
                return str(algorithm)
        return None

    def put_lifecycle_rules(self, bucket: str, rules: Sequence[LifecycleRule]) -> None:
        """Replace the bucket's lifecycle configuration with `rules`."""
        config = {"Rules": [rule.to_s3() for rule in rules]}
        with map_s3_errors(f"s3://{bucket}"):
            self._client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=config)

    def get_lifecycle_rules(self, bucket: str) -> list[dict[str, Any]] | None:
        """The lifecycle rules as the store reports them, or None when there are none."""
        try:
            with map_s3_errors(f"s3://{bucket}"), _absent_on_not_configured():
                response = self._client.get_bucket_lifecycle_configuration(Bucket=bucket)
        except _Absent:
            return None
        return [dict(rule) for rule in response.get("Rules", [])]

    def put_policy(self, bucket: str, policy: Mapping[str, Any]) -> None:
        """Set the bucket policy (a JSON policy document)."""
        with map_s3_errors(f"s3://{bucket}"):
            self._client.put_bucket_policy(
                Bucket=bucket, Policy=canonical_bytes(dict(policy)).decode("utf-8")
            )

    def get_policy(self, bucket: str) -> dict[str, Any] | None:
        """The bucket policy document, or None when the bucket has none."""
        try:
            with map_s3_errors(f"s3://{bucket}"), _absent_on_not_configured():
                response = self._client.get_bucket_policy(Bucket=bucket)
        except _Absent:
            return None
        try:
            document = json.loads(response["Policy"])
        except ValueError as error:
            raise FailClosed(
                OBJECT_STORE_REQUEST_FAILED, f"s3://{bucket}: policy is not JSON", {"bucket": bucket}
            ) from error
        if not isinstance(document, dict):
            raise FailClosed(
                OBJECT_STORE_REQUEST_FAILED, f"s3://{bucket}: policy is not an object", {"bucket": bucket}
            )
        return document

    def delete_policy(self, bucket: str) -> None:
        """Remove the bucket policy (idempotent)."""
        with map_s3_errors(f"s3://{bucket}"):
            self._client.delete_bucket_policy(Bucket=bucket)

    def put_public_access_block(self, bucket: str) -> None:
        """Block every form of public access; FailClosed(OBJECT_STORE_FEATURE_UNSUPPORTED) on SeaweedFS."""
        config = {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }
        with map_s3_errors(f"s3://{bucket}"):
            self._client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)

    def get_public_access_block(self, bucket: str) -> dict[str, bool] | None:
        """The four public-access-block flags, or None when unset (UNSUPPORTED on SeaweedFS)."""
        try:
            with map_s3_errors(f"s3://{bucket}"), _absent_on_not_configured():
                response = self._client.get_public_access_block(Bucket=bucket)
        except _Absent:
            return None
        flags = response.get("PublicAccessBlockConfiguration", {})
        return {str(key): bool(value) for key, value in sorted(flags.items())}

    def object_versions(self, bucket: str, key: str) -> list[tuple[str, bool]]:
        """`(version_id, is_latest)` of every stored version of exactly `key`, as listed (newest first).

        Delete markers are left out. Used by bootstrap verify to prove that, where the store cannot
        refuse an overwrite, a versioned bucket keeps the overwritten bytes recoverable.
        """
        with map_s3_errors(f"s3://{bucket}/{key}"):
            response = self._client.list_object_versions(Bucket=bucket, Prefix=key)
        return [
            (str(version["VersionId"]), bool(version.get("IsLatest")))
            for version in response.get("Versions", [])
            if version.get("Key") == key
        ]

    def get_object_version(self, bucket: str, key: str, version_id: str) -> bytes:
        """The bytes of one stored version of an object (small documents only: read whole)."""
        with map_s3_errors(f"s3://{bucket}/{key}"):
            response = self._client.get_object(Bucket=bucket, Key=key, VersionId=version_id)
            return bytes(response["Body"].read())
