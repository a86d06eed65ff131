"""Small helpers over the object-store port that every Oracle step shares."""

from __future__ import annotations

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.substrate._reasons import OBJECT_CONFLICT, OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectInfo, ObjectStore, PutOutcome, S3Location

__all__ = ["SHA256_METADATA_KEY", "read_optional", "stored_sha256", "write_once"]

SHA256_METADATA_KEY = "sha256"


def read_optional(store: ObjectStore, location: S3Location) -> bytes | None:
    """The object's bytes, or None when it does not exist (any other failure propagates)."""
    try:
        return store.get(location)
    except FailClosed as error:
        if error.code == OBJECT_MISSING:
            return None
        raise


def stored_sha256(info: ObjectInfo) -> str | None:
    """The SHA-256 stored with an object (the adapter's field, else the `sha256` user metadata)."""
    return info.sha256 or info.metadata.get(SHA256_METADATA_KEY)


def write_once(store: ObjectStore, location: S3Location, data: bytes, conflict: ReasonCode) -> PutOutcome:
    """`put_if_absent` of a JSON document; different bytes already there → FailClosed(`conflict`)."""
    try:
        return store.put_if_absent(location, data, content_type="application/json")
    except FailClosed as error:
        if error.code == OBJECT_CONFLICT:
            raise FailClosed(
                conflict, f"{location.uri} already holds different bytes", {"uri": location.uri}
            ) from error
        raise
