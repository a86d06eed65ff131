"""The object-store port (S3 API) and its boto3 adapter."""

from fraud_platform.substrate.objectstore.hashing import ByteSource, ChunkReader, HashingReader, iter_hashed
from fraud_platform.substrate.objectstore.port import (
    DEFAULT_STREAM_CHUNK,
    ObjectInfo,
    ObjectStore,
    PutOutcome,
    S3Credentials,
    S3Location,
)

__all__ = [
    "DEFAULT_STREAM_CHUNK",
    "ByteSource",
    "ChunkReader",
    "HashingReader",
    "ObjectInfo",
    "ObjectStore",
    "PutOutcome",
    "S3Credentials",
    "S3Location",
    "iter_hashed",
]
