"""The object-store port (S3 API) and its boto3 adapter."""

from fraud_platform.substrate.objectstore.port import (
    ObjectInfo,
    ObjectStore,
    PutOutcome,
    S3Credentials,
    S3Location,
)

__all__ = ["ObjectInfo", "ObjectStore", "PutOutcome", "S3Credentials", "S3Location"]
