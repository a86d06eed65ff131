"""Core: canonical JSON, digests, ids, time, reason codes and the error tree shared by every package."""

from fraud_platform.core.canonical import canonical_bytes, canonical_file_bytes, digest_of, sha256_hex
from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.reasons import ReasonCode, all_reasons, reason

__all__ = [
    "FailClosed",
    "PlatformError",
    "ReasonCode",
    "TransientError",
    "all_reasons",
    "canonical_bytes",
    "canonical_file_bytes",
    "digest_of",
    "reason",
    "sha256_hex",
]
