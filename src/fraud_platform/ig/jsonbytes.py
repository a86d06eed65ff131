"""cj1 bytes of values that came out of IG's strict JSON decoder or were built by IG itself, without cj1's walk.

`core.canonical.canonical_bytes` walks the whole value first (refusing NaN/Infinity and non-string
keys) and then encodes it; on IG's hot path that walk cost as much as the encoding (measured: half
of the canonical-bytes time of an 860-byte event). For the values IG encodes the walk proves nothing
new: a decoded event comes from `app._decode`, which already refuses NaN/Infinity and can only yield
string keys (JSON has no others), and receipts hold IG's own strings, integers and such events. The
encoder settings are cj1's own, and `allow_nan=False` still raises ValueError should a non-finite
float ever reach it, so the bytes (and the payload hash over them) are the ones `canonical_bytes`
gives; a unit test holds the two equal.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["decoded_json_bytes"]

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def decoded_json_bytes(value: Any) -> bytes:
    """The cj1 encoding of a JSON-decoded (string-keyed, finite) value; ValueError/TypeError otherwise."""
    return _ENCODER.encode(value).encode("ascii")
