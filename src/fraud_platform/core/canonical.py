"""Canonical JSON (rule `cj1`) and digests: one rule for the whole code base.

Every identity and every digest another process recomputes goes through here, so that two machines
(or two profiles) agree byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

__all__ = [
    "Digest",
    "canonical_bytes",
    "canonical_file_bytes",
    "digest_of",
    "parse_json_bytes",
    "sha256_hex",
]

Digest = dict[str, str]


def _reject_non_finite(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("cj1 forbids NaN and Infinity")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"cj1 keys must be strings, got {type(key).__name__}")
            _reject_non_finite(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_non_finite(item)


def canonical_bytes(value: Any) -> bytes:
    """Return the cj1 encoding: UTF-8, sorted keys, `,`/`:` separators, ASCII-escaped, finite numbers."""
    _reject_non_finite(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.encode("utf-8")


def canonical_file_bytes(value: Any) -> bytes:
    """Return the bytes of a JSON file on disk or in S3: canonical bytes plus one newline."""
    return canonical_bytes(value) + b"\n"


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 of bytes (a str is UTF-8 encoded first), lowercase hex."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def digest_of(value: Any) -> Digest:
    """The carried digest form `{"algo": "sha256", "hex": …}` of a value's canonical bytes."""
    return {"algo": "sha256", "hex": sha256_hex(canonical_bytes(value))}


def parse_json_bytes(data: bytes) -> Any:
    """Parse JSON bytes strictly: NaN/Infinity constants are refused, as cj1 never writes them."""

    def _refuse(constant: str) -> Any:
        raise ValueError(f"non-finite JSON constant {constant}")

    return json.loads(data.decode("utf-8"), parse_constant=_refuse)
