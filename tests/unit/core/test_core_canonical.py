"""cj1: the canonical JSON and digest rule every identity depends on."""

from __future__ import annotations

import hashlib
import math

import pytest

from fraud_platform.core.canonical import (
    canonical_bytes,
    canonical_file_bytes,
    digest_of,
    parse_json_bytes,
    sha256_hex,
)


def test_keys_sorted_compact_and_ascii_escaped() -> None:
    assert canonical_bytes({"b": 1, "a": "é", "c": [True, None]}) == b'{"a":"\\u00e9","b":1,"c":[true,null]}'


def test_integers_stay_integers_and_nested_keys_sort() -> None:
    assert canonical_bytes({"x": {"z": 10**20, "y": 1.5}}) == b'{"x":{"y":1.5,"z":100000000000000000000}}'


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"k": [math.nan]}])
def test_non_finite_numbers_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="NaN"):
        canonical_bytes(bad)


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        canonical_bytes({1: "a"})


def test_file_bytes_end_with_exactly_one_newline() -> None:
    assert canonical_file_bytes({"a": 1}) == b'{"a":1}\n'


def test_digest_form_and_value() -> None:
    expected = hashlib.sha256(b'{"a":1}').hexdigest()
    assert digest_of({"a": 1}) == {"algo": "sha256", "hex": expected}
    assert sha256_hex("abc") == hashlib.sha256(b"abc").hexdigest()


def test_parse_refuses_non_finite_constants() -> None:
    assert parse_json_bytes(b'{"a":[1,2]}') == {"a": [1, 2]}
    with pytest.raises(ValueError, match="non-finite"):
        parse_json_bytes(b'{"a":NaN}')
