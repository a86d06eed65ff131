"""Verify's write-once probe: does the store itself refuse an overwrite that skips If-None-Match?

Every writer in this project goes through `put_if_absent` (`If-None-Match: *`), but that is the
client's promise. On dev_min the bucket policy (`bucket_policy.write_once_statements`) makes it the
store's: a put into a write-once scope without `If-None-Match` is denied. The probe plays the client
that breaks the promise: as the operator (the deny binds every principal), it writes a probe object
under the bucket's first truth prefix with `put_if_absent`, then overwrites it with `put_if_match`
on the ETag it just read, a put that carries `If-Match` and no `If-None-Match`.

- denied (`OBJECT_ACCESS_DENIED`) → PASS: the store enforces write-once;
- accepted on AWS → FAIL;
- accepted on SeaweedFS → UNSUPPORTED_LOCALLY, never a pass: its bucket policies cannot express the
  `s3:if-none-match` condition key. What it can do is keep the original: the local object store is
  versioned (`posture`), so the probe then lists the object's versions (as the operator) and reads
  the noncurrent one back; the original bytes must be there, else the check FAILs.

The probe object sits in a probe site (`…/_bootstrap_probe/`, nonce-named), which the operator may
delete and lifecycle expires, so it never touches real truth.
"""

from __future__ import annotations

from collections.abc import Mapping

from fraud_platform.bootstrap.outcomes import CheckResult, Verdict
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import OPERATOR, TRUTH_PREFIXES, BucketKind
from fraud_platform.bootstrap.sites import site_for
from fraud_platform.core.errors import PlatformError
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["EXPECTED", "write_once_check", "write_once_checks", "write_once_probe_key"]

EXPECTED = "overwrite without If-None-Match refused"


def write_once_probe_key(kind: BucketKind, nonce: str) -> str:
    """The probe object's key: in the probe site of the bucket's first truth prefix."""
    return f"{site_for(TRUTH_PREFIXES[kind][0])}write-once.{nonce}.probe"


def _check(name: str, observed: str, verdict: Verdict, detail: str) -> CheckResult:
    return CheckResult(f"s3://{name}", "write_once", EXPECTED, observed, verdict, detail)


def write_once_check(
    ports: BootstrapPorts, kind: BucketKind, bucket: str, nonce: str, *, local: bool, versioning: str
) -> CheckResult:
    """Try to overwrite a write-once probe object without If-None-Match; judge as the module says."""
    store = ports.store(OPERATOR)
    location = S3Location(bucket, write_once_probe_key(kind, nonce))
    original = f"write-once probe {nonce}: original\n".encode()
    replacement = f"write-once probe {nonce}: overwritten without If-None-Match\n".encode()
    try:
        store.put_if_absent(location, original)
        _data, etag = store.get_with_etag(location)
        store.put_if_match(location, replacement, etag)
    except PlatformError as error:
        if error.code == OBJECT_ACCESS_DENIED:
            return _check(bucket, "refused", Verdict.PASS, f"{location.key}: {error.code}")
        return _check(bucket, "error", Verdict.FAIL, f"{location.key}: {error.code}: {error.detail}")
    try:
        replaced = store.get(location) == replacement
    except PlatformError as error:
        return _check(bucket, "error", Verdict.FAIL, f"{location.key}: read back {error.code}")
    if not local:
        return _check(
            bucket,
            "overwritten" if replaced else "accepted",
            Verdict.FAIL,
            f"{location.key}: the bucket policy did not refuse it",
        )
    return _local_verdict(ports, location, original, replaced=replaced, versioning=versioning)


def _local_verdict(
    ports: BootstrapPorts, location: S3Location, original: bytes, *, replaced: bool, versioning: str
) -> CheckResult:
    """Locally the overwrite is expected to go through: what matters is whether the original survives."""
    limit = (
        f"{location.key}: SeaweedFS bucket policies cannot express s3:if-none-match, so an overwrite by "
        "a client that skips the header was accepted"
    )
    if not replaced:
        return _check(location.bucket, "accepted, bytes unchanged", Verdict.UNSUPPORTED_LOCALLY, limit)
    if versioning != "Enabled":
        return _check(
            location.bucket,
            "overwritten",
            Verdict.UNSUPPORTED_LOCALLY,
            f"{limit}; versioning is {versioning}, so the original bytes are gone",
        )
    try:
        admin = ports.s3_admin()
        recovered = [
            version_id
            for version_id, latest in admin.object_versions(location.bucket, location.key)
            if not latest and admin.get_object_version(location.bucket, location.key, version_id) == original
        ]
    except PlatformError as error:
        return _check(location.bucket, "error", Verdict.FAIL, f"{location.key}: versions: {error.code}")
    if not recovered:
        return _check(
            location.bucket,
            "overwritten, original lost",
            Verdict.FAIL,
            f"{limit}, and no noncurrent version holds the original although versioning is Enabled",
        )
    return _check(
        location.bucket,
        "overwritten, original recoverable",
        Verdict.UNSUPPORTED_LOCALLY,
        f"{limit}; versioning kept the original as noncurrent version {recovered[0]}",
    )


def write_once_checks(
    ports: BootstrapPorts, planned_buckets: list[Mapping[str, object]], nonce: str, *, local: bool
) -> list[CheckResult]:
    """The write-once check of every planned bucket."""
    return [
        write_once_check(
            ports,
            BucketKind(str(planned["kind"])),
            str(planned["name"]),
            nonce,
            local=local,
            versioning=str(planned["versioning"]),
        )
        for planned in planned_buckets
    ]
