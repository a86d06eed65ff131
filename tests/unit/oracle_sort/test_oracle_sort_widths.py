"""The closure row encoding is width-agnostic: the engine's real widths digest like our old ones.

The engine writes merchant_id as uint64, event_seq as int64 and strings as large_string (polars) or
string (DuckDB); a view sorted from either must prove the same rows. So an int32, int64 and uint64
of the same values, and string vs large_string of the same text, give the same row digests.
"""

from __future__ import annotations

import pyarrow as pa

from fraud_platform.oracle.sort.closure.digest import RowHasher
from fraud_platform.oracle.sort.closure.encoding import value_token

IDS = [0, 1, 7, 2**31 - 1]
TEXT = ["2026-01-05T00:00:00.000000Z", "zürich", "", None]


def _digests(int_type: pa.DataType, str_type: pa.DataType, row_hash: str) -> object:
    schema = pa.schema([pa.field("merchant_id", int_type), pa.field("ts_utc", str_type, nullable=True)])
    batch = pa.RecordBatch.from_arrays(
        [pa.array(IDS, type=int_type), pa.array(TEXT, type=str_type)], schema=schema
    )
    with RowHasher(schema, row_hash=row_hash) as hasher:
        return hasher.digest(batch, first_position=0)


def test_integer_and_string_widths_give_the_same_row_digests() -> None:
    for row_hash in ("md5", "sha256"):
        reference = _digests(pa.int64(), pa.string(), row_hash)
        for int_type in (pa.int32(), pa.int64(), pa.uint64()):
            for str_type in (pa.string(), pa.large_string()):
                assert _digests(int_type, str_type, row_hash) == reference, (int_type, str_type, row_hash)


def test_value_tokens_do_not_carry_a_width() -> None:
    assert value_token(7) == b"I7;"
    assert value_token(2**63) == b"I9223372036854775808;"  # beyond int64: a uint64 merchant_id
