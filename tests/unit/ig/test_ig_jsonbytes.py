"""IG's shortcut encoder gives cj1's bytes for everything IG's strict JSON decoder can produce."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraud_platform.core.canonical import canonical_bytes
from fraud_platform.ig import jsonbytes
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


_KEYS = st.text(st.characters(codec=None, exclude_categories=()), max_size=6)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.floats(min_value=1e15, max_value=1e17)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
    | st.text('0.e-:,[]nulifa\x7f\x1f"\\', max_size=12)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(_JSON)
def test_the_fast_encoder_gives_cj1_bytes_for_any_json_value(value: object) -> None:
    assert decoded_json_bytes(value) == canonical_bytes(value)
    assert decoded_json_bytes(value, finite=True) == canonical_bytes(value)  # the caller's word holds here


@settings(max_examples=150, deadline=None)
@given(_JSON, st.sampled_from([math.nan, math.inf, -math.inf]))
def test_a_non_finite_float_anywhere_is_refused(value: object, bad: float) -> None:
    for nested in ({"x": [value, bad]}, [bad, value, None], {"a": {"b": bad}, "n": None}):
        with pytest.raises(ValueError):
            decoded_json_bytes(nested)


def test_the_float_boundaries_and_escapes_where_orjson_differs_fall_back_to_cj1() -> None:
    for value in (1e-5, -6.5e-05, 9.99e-05, 1e-4, 5e-324, 1e16, -1e22, 0.0, -0.0, "\x7f", "é", [1e-7]):
        assert decoded_json_bytes({"v": value}) == canonical_bytes({"v": value})
    assert decoded_json_bytes({"ts": "T00:00:00.000000Z", "n": None}) == canonical_bytes(
        {"ts": "T00:00:00.000000Z", "n": None}
    )


def test_a_typical_event_and_receipt_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_value: object) -> bytes:
        raise AssertionError("the standard-library encoder was used")

    value = _decode(_BODIES[3])
    expected = canonical_bytes(value)
    monkeypatch.setattr(jsonbytes, "_stdlib", refuse)
    assert decoded_json_bytes(value) == expected
    monkeypatch.setattr(jsonbytes.orjson, "loads", refuse)  # finite=True: no re-decode for the nulls
    assert decoded_json_bytes(value, finite=True) == expected
    receipt = {
        "decision": "ADMIT",
        "reason_code": None,
        "eb_ref": {"offset": 3},
        "received_at_utc": "T00:00:00.000000Z",
    }
    assert json.loads(decoded_json_bytes(receipt, finite=True)) == receipt
