"""IG's shortcut encoder gives cj1's bytes for everything IG's strict JSON decoder can produce."""

from __future__ import annotations

import json
import math

import pytest

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.ig.app import _decode
from fraud_platform.ig.jsonbytes import decoded_json_bytes

_BODIES = [
    b'{"b": 1, "a": [1.5, -0.0, 1e300, 12345678901234567890, true, false, null]}',
    '{"caf\u00e9": "\u00fcber \u2603 \U0001f600", "z": {"y": {"x": []}}, "": ""}'.encode(),
    b'{"lone": "\\ud800", "ctl": "\\u0000\\n\\t\\"\\\\", "num": 0.1, "neg": -7}',
    b'[{"event_id": "ab", "payload": {"amount": 206.62, "flow_id": 1, "ts_utc": null}}, 3, "s"]',
]


@pytest.mark.parametrize("body", _BODIES)
def test_decoded_values_encode_to_cj1(body: bytes) -> None:
    value = _decode(body)
    assert decoded_json_bytes(value) == canonical_bytes(value)


def test_non_finite_numbers_are_refused_like_cj1() -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            canonical_bytes({"x": bad})
        with pytest.raises(ValueError):
            decoded_json_bytes({"x": bad})


def test_the_bytes_round_trip() -> None:
    value = _decode(_BODIES[0])
    assert json.loads(decoded_json_bytes(value)) == value
