"""fprow1 test vectors: fixed rows, their bytes and SHA-256, recomputed by an independent encoder.

The reference encoder below is written from the spec in `closure_encoding`'s docstring only (plain
Python, struct and hashlib); the production path builds the same bytes inside DuckDB. Both must
agree with each other and with the vectors documented beside the code.
"""

from __future__ import annotations

import hashlib
import math
import struct
from typing import Any

import pyarrow as pa
import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort.closure.digest import RowHasher
from fraud_platform.oracle.sort.closure.encoding import ROW_TEST_VECTORS, encoding_sql, value_token

VECTOR_SCHEMA = pa.schema(
    [
        pa.field("flow_id", pa.int64()),
        pa.field("amount", pa.float64()),
        pa.field("fraud_flag", pa.bool_()),
        pa.field("campaign_id", pa.string(), nullable=True),
        pa.field("ts_utc", pa.string()),
    ]
)
VECTOR_ROWS: list[dict[str, Any]] = [
    {
        "flow_id": 7,
        "amount": 12.5,
        "fraud_flag": True,
        "campaign_id": None,
        "ts_utc": "2026-01-01T00:00:00.000000Z",
    },
    {"flow_id": -42, "amount": -0.0, "fraud_flag": False, "campaign_id": "zürich", "ts_utc": ""},
]


def reference_bytes(row: dict[str, Any], schema: pa.Schema) -> bytes:
    """fprow1 from its written spec: name order, one self-delimiting token per value."""
    out = bytearray()
    for name in sorted(schema.names, key=lambda n: n.encode("utf-8")):
        value = row[name]
        kind = schema.field(name).type
        if value is None:
            out += b"N"
        elif pa.types.is_boolean(kind):
            out += b"T" if value else b"F"
        elif pa.types.is_integer(kind):
            out += b"I%d;" % value
        elif pa.types.is_floating(kind):
            (bits,) = struct.unpack(">Q", struct.pack(">d", value))
            out += b"D%016X" % bits
        else:
            data = value.encode("utf-8")
            out += b"S%d:" % len(data) + data
    return bytes(out)


def duckdb_digest(rows: list[dict[str, Any]], schema: pa.Schema, **hasher_args: Any) -> int:
    """The multiset digest RowHasher computes (for one row: that row's digest as an integer).

    SHA-256 unless asked otherwise, so that the reference below can be `hashlib.sha256`.
    """
    hasher_args.setdefault("row_hash", "sha256")
    batch = pa.RecordBatch.from_pylist(rows, schema=schema)
    with RowHasher(schema, **hasher_args) as hasher:
        return hasher.digest(batch).multiset


def test_documented_vectors_match_the_reference_encoder() -> None:
    assert len(ROW_TEST_VECTORS) == len(VECTOR_ROWS)
    for row, (expected_bytes, sha256_hex, md5_hex) in zip(VECTOR_ROWS, ROW_TEST_VECTORS, strict=True):
        assert reference_bytes(row, VECTOR_SCHEMA) == expected_bytes
        assert hashlib.sha256(expected_bytes).hexdigest() == sha256_hex
        assert hashlib.md5(expected_bytes).hexdigest() == md5_hex


def test_duckdb_hashes_exactly_the_vector_bytes() -> None:
    for row, (_bytes, sha256_hex, md5_hex) in zip(VECTOR_ROWS, ROW_TEST_VECTORS, strict=True):
        assert duckdb_digest([row], VECTOR_SCHEMA) == int(sha256_hex, 16)
        assert duckdb_digest([row], VECTOR_SCHEMA, row_hash="md5") == int(md5_hex, 16)


def test_constant_columns_spliced_as_literals_give_the_same_digests() -> None:
    rows = [dict(VECTOR_ROWS[0], flow_id=i) for i in range(5)]
    plain = duckdb_digest(rows, VECTOR_SCHEMA)
    with_literals = duckdb_digest(
        rows, VECTOR_SCHEMA, constant_candidates=["ts_utc", "campaign_id", "flow_id"]
    )
    expected = sum(int(hashlib.sha256(reference_bytes(r, VECTOR_SCHEMA)).hexdigest(), 16) for r in rows)
    assert plain == with_literals == expected % 2**256


EDGE_SCHEMA = pa.schema(
    [
        pa.field("i8", pa.int8()),
        pa.field("u64", pa.uint64()),
        pa.field("i64", pa.int64()),
        pa.field("f32", pa.float32()),
        pa.field("f64", pa.float64()),
        pa.field("s", pa.string()),
        pa.field("b", pa.bool_()),
        pa.field("Z upper first", pa.int32()),
    ]
)


@pytest.mark.parametrize(
    "row",
    [
        {
            "i8": -128,
            "u64": 2**64 - 1,
            "i64": -(2**63),
            "f32": 1.5,
            "f64": math.inf,
            "s": "a'b\"c;:",
            "b": True,
            "Z upper first": 0,
        },
        {
            "i8": None,
            "u64": None,
            "i64": None,
            "f32": None,
            "f64": None,
            "s": None,
            "b": None,
            "Z upper first": None,
        },
        {
            "i8": 0,
            "u64": 0,
            "i64": 0,
            "f32": -0.0,
            "f64": 5e-324,
            "s": "日本\n\t",
            "b": False,
            "Z upper first": -1,
        },
    ],
)
def test_edge_values_encode_like_the_reference(row: dict[str, Any]) -> None:
    reference = reference_bytes(row, EDGE_SCHEMA)
    assert duckdb_digest([row], EDGE_SCHEMA) == int(hashlib.sha256(reference).hexdigest(), 16)


def test_nan_is_encoded_by_its_bits() -> None:
    row = {"f64": math.nan}
    schema = pa.schema([pa.field("f64", pa.float64())])
    assert duckdb_digest([row], schema) == int(hashlib.sha256(reference_bytes(row, schema)).hexdigest(), 16)


def test_dictionary_strings_encode_by_value() -> None:
    plain_schema = pa.schema([pa.field("s", pa.string())])
    rows = [{"s": "x"}, {"s": "yy"}, {"s": "x"}]
    dictionary = pa.RecordBatch.from_arrays([pa.array(["x", "yy", "x"]).dictionary_encode()], names=["s"])
    with RowHasher(dictionary.schema, row_hash="sha256") as hasher:
        encoded = hasher.digest(dictionary).multiset
    assert encoded == duckdb_digest(rows, plain_schema)


def test_value_token_matches_the_reference() -> None:
    schema = pa.schema([pa.field("v", pa.int64())])
    assert value_token(-5) == reference_bytes({"v": -5}, schema)
    assert value_token("zürich") == b"S7:z\xc3\xbcrich"
    assert value_token(None) == b"N"
    assert value_token(True) == b"T"
    assert value_token(-0.0) == b"D8000000000000000"


def test_unsupported_types_are_refused() -> None:
    schema = pa.schema([pa.field("when", pa.timestamp("us"))])
    with pytest.raises(FailClosed) as refused:
        encoding_sql(schema)
    assert refused.value.code == "STREAM_SORT_TYPE_UNSUPPORTED"


def test_a_sliced_batch_with_null_doubles_hashes_its_own_rows() -> None:
    """Doubles are hex-formatted from the Arrow buffers: a slice's offset and null bitmap must count."""
    schema = pa.schema(
        [pa.field("f64", pa.float64()), pa.field("f32", pa.float32()), pa.field("i", pa.int64())]
    )
    rows = [
        {"f64": None if i % 3 == 0 else i / 7, "f32": None if i % 4 == 1 else -i / 3, "i": i}
        for i in range(40)
    ]
    whole = pa.RecordBatch.from_pylist(rows, schema=schema)
    with RowHasher(schema, row_hash="sha256") as hasher:
        sliced = hasher.digest(whole.slice(13, 17)).multiset
    expected = sum(
        int(hashlib.sha256(reference_bytes(whole.slice(13, 17).to_pylist()[i], schema)).hexdigest(), 16)
        for i in range(17)
    )
    assert sliced == expected % 2**256 == duckdb_digest(rows[13:30], schema)
