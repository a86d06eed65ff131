"""cj1 bytes of values that came out of IG's strict JSON decoder or were built by IG itself, fast.

`core.canonical.canonical_bytes` walks the whole value first (refusing NaN/Infinity and non-string
keys) and then encodes it with the standard library; on IG's hot path (every event's record value
and payload hash, every receipt line) that cost ~8 µs per 860-byte event. Here orjson encodes
(sorted keys, compact) in well under a microsecond, and its bytes are returned only where they are
provably cj1's, otherwise the standard-library cj1 encoder (`allow_nan=False`) decides:

- orjson writes UTF-8 and DEL (0x7f) raw where cj1 escapes them as `\\uXXXX`: any non-ASCII byte or
  DEL in the output → stdlib. Every other character is escaped identically (control characters as
  `\\n`, `\\u001f`, …; `"` and `\\`).
- Floats: both write the shortest repr that round-trips, identically except below 1e-4 in
  magnitude (orjson `1e-5` / `0.00006`, cj1 `1e-05` / `6e-05`): any `e-`, or a `0.0000` that starts
  a number, in the output → stdlib. NaN and ±Infinity orjson writes as `null`: when the output has
  a `null`, it is decoded again and must equal the value (a NaN or an infinity comes back as None,
  so it does not), otherwise the stdlib encoder raises ValueError as cj1 does. IG's decoder never
  yields them and IG's own numbers are finite, so IG's hot path passes `finite=True` and skips that
  re-decode (~4 µs an event with a null, which nearly every event and receipt has); any other
  caller keeps the refusal.
- Integers outside 64 bits, non-string keys, lone surrogates and str/int/dict/list subclasses make
  orjson raise (the passthrough options), and the stdlib encoder decides.

The domain is JSON values (dict, list, str, int, float, bool, None), as IG's decoder yields and
IG's receipts hold; a property test holds the bytes equal to `canonical_bytes` over that domain.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["decoded_json_bytes"]

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def _stdlib(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("ascii")


_NUMBER_STARTS = frozenset(b":,[-")
"""The bytes after which a number can start in orjson's compact output (or its minus sign)."""


def _has_tiny_float(out: bytes) -> bool:
    """Whether a number in orjson's output may be a float below 1e-4 (where cj1 writes it otherwise).

    Such a number has an `e-` or starts `0.0000` right after `:`, `,`, `[` or a minus sign (or is
    the whole output); the same bytes inside a string only cost the exact path. One search per
    pattern, then a look at the byte before each `0.0000` found (timestamps such as
    `…00:00.000000Z` hold one, and five more searches of the output cost more than the encode).
    """
    if b"e-" in out:
        return True
    at = out.find(b"0.0000")
    while at != -1:
        if at == 0 or out[at - 1] in _NUMBER_STARTS:
            return True
        at = out.find(b"0.0000", at + 1)
    return False


def decoded_json_bytes(value: Any, *, finite: bool = False) -> bytes:
    """The cj1 encoding of a JSON-decoded (string-keyed, finite) value; ValueError/TypeError otherwise.

    `finite=True` is the caller's word that no float in `value` is NaN or infinite (it came from IG's
    strict decoder, or IG computed it): the check for them is then skipped.
    """
    try:
        out = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _stdlib(value)
    if not out.isascii() or b"\x7f" in out or _has_tiny_float(out):
        return _stdlib(value)
    if not finite and b"null" in out and orjson.loads(out) != value:
        return _stdlib(value)
    return out
