"""The canonical row encoding `fprow1` that every row digest of a closure receipt hashes.

Why a home-made encoding: the receipt must be recomputable by any machine and any engine (DuckDB,
Arrow, plain Python), so the bytes that are hashed cannot depend on how an engine renders a value.

fprow1, the bytes of one row
    The columns are taken in ascending order of their names (compared as UTF-8 bytes); each value
    contributes one token, and the row is the concatenation of its tokens (no separators between
    tokens: every token is self-delimiting, so the concatenation is unambiguous for a given schema):

    =================  ==========================================================================
    value              token
    =================  ==========================================================================
    null (any type)    ``N``
    boolean            ``T`` (true) or ``F`` (false)
    integer            ``I`` + decimal digits (``-`` for negatives, no leading zeros) + ``;``
                       (int8 … int64 and uint8 … uint64 alike)
    float              ``D`` + the 16 upper-case hex digits of the IEEE-754 binary64 bit pattern
                       (float32 is widened to binary64 first, which is exact); never a decimal
                       rendering, so -0.0, NaN payloads and every last bit survive
    string             ``S`` + the UTF-8 byte length in decimal + ``:`` + the UTF-8 bytes
                       (dictionary-encoded strings are encoded by their value)
    =================  ==========================================================================

    Any other type (timestamps, decimals, binaries, nested types) is refused with
    STREAM_SORT_TYPE_UNSUPPORTED rather than encoded by guesswork.

Row digest: the receipt's row hash (MD5, 128 bits, by default; or SHA-256) of those bytes, as
lowercase hex (see closure_digest for why MD5 is the default).

Test vectors (also in tests/unit/oracle_sort/test_oracle_sort_encoding.py, recomputed there by an
independent plain-Python encoder) for the schema `flow_id: int64, amount: float64, fraud_flag: bool,
campaign_id: string (nullable), ts_utc: string`:

    row {flow_id: 7, amount: 12.5, fraud_flag: true, campaign_id: null,
         ts_utc: "2026-01-01T00:00:00.000000Z"}
    bytes   D4029000000000000NI7;TS27:2026-01-01T00:00:00.000000Z
    sha256  73e218425de08e1e5f140884734f261bff2c44175080c6e3015446e934c37833
    md5     bb8c649689b705f1ad2c0a0525a9052a

    row {flow_id: -42, amount: -0.0, fraud_flag: false, campaign_id: "zürich", ts_utc: ""}
    bytes   D8000000000000000S7:zürichI-42;FS0:   (ü is two UTF-8 bytes, hence S7)
    sha256  7f8a770e170a774b09d798b8a738f9e10e9babc34318fa2959edf702ae0ee906
    md5     3b5956791b13746eb5d0dbba774f66ec

The DuckDB expression built here produces exactly those bytes, so DuckDB's built-in `md5` / `sha256`
hash whole batches without a per-row Python loop; doubles reach DuckDB as the 16 hex digits of
their bit patterns, formatted in numpy (DuckDB has no bit-cast of its own, and its `lpad(hex())`
cost as much per row as all the integer columns together).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sort._reasons import STREAM_SORT_TYPE_UNSUPPORTED

__all__ = [
    "ROW_ENCODING",
    "ROW_TEST_VECTORS",
    "encoding_order",
    "encoding_sql",
    "hashable_batch",
    "quote_identifier",
    "value_token",
]

ROW_ENCODING = "fprow1"

# (fprow1 bytes, SHA-256 hex, MD5 hex) of the documented rows; the unit test recomputes them independently.
ROW_TEST_VECTORS: tuple[tuple[bytes, str, str], ...] = (
    (
        b"D4029000000000000NI7;TS27:2026-01-01T00:00:00.000000Z",
        "73e218425de08e1e5f140884734f261bff2c44175080c6e3015446e934c37833",
        "bb8c649689b705f1ad2c0a0525a9052a",
    ),
    (
        b"D8000000000000000S7:z\xc3\xbcrichI-42;FS0:",
        "7f8a770e170a774b09d798b8a738f9e10e9babc34318fa2959edf702ae0ee906",
        "3b5956791b13746eb5d0dbba774f66ec",
    ),
)


def quote_identifier(name: str) -> str:
    """A column name as a DuckDB identifier (double quotes, embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def encoding_order(schema: pa.Schema) -> list[pa.Field]:
    """The schema's fields in fprow1 order: ascending by the UTF-8 bytes of their names."""
    return sorted(schema, key=lambda field: field.name.encode("utf-8"))


def _value_type(field: pa.Field) -> pa.DataType:
    kind = field.type
    return kind.value_type if pa.types.is_dictionary(kind) else kind


# A piece of the row expression: (True, SQL text of a constant) or (False, an SQL expression).
_Piece = tuple[bool, str]


def _literal(text: str) -> _Piece:
    return True, text


def _token_pieces(field: pa.Field) -> list[_Piece]:
    """The token of one column as concat() arguments; a nullable column is one CASE expression."""
    column = quote_identifier(field.name)
    kind = _value_type(field)
    if pa.types.is_boolean(kind):
        return [(False, f"CASE WHEN {column} IS NULL THEN 'N' WHEN {column} THEN 'T' ELSE 'F' END")]
    if pa.types.is_integer(kind):
        pieces = [_literal("I"), (False, column), _literal(";")]
    elif pa.types.is_float64(kind) or pa.types.is_float32(kind):
        # The batch carries the bit pattern as its 16 hex digits already (see hashable_batch).
        pieces = [_literal("D"), (False, column)]
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        pieces = [_literal("S"), (False, f"strlen({column})"), _literal(":"), (False, column)]
    else:
        raise FailClosed(
            STREAM_SORT_TYPE_UNSUPPORTED,
            f"column {field.name!r} has type {field.type}, which fprow1 does not encode",
            {"column": field.name, "type": str(field.type)},
        )
    if not field.nullable:
        return pieces
    # concat() skips NULL arguments, so a null must be caught before it can vanish into ''.
    return [(False, f"CASE WHEN {column} IS NULL THEN 'N' ELSE {_concat(pieces)} END")]


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _concat(pieces: Sequence[_Piece]) -> str:
    """One flat concat() of the pieces, adjacent constants merged (fewer intermediate strings)."""
    arguments: list[str] = []
    constant: list[str] = []
    for is_constant, text in pieces:
        if is_constant:
            constant.append(text)
            continue
        if constant:
            arguments.append(_sql_string("".join(constant)))
            constant = []
        arguments.append(text)
    if constant:
        arguments.append(_sql_string("".join(constant)))
    return "concat(" + ", ".join(arguments) + ")"


def value_token(value: object) -> bytes:
    """The fprow1 token of one Python value (None, bool, int, float or str)."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        return b"T" if value else b"F"
    if isinstance(value, int):
        return b"I" + str(value).encode("ascii") + b";"
    if isinstance(value, float):
        return b"D" + struct.pack(">d", value).hex().upper().encode("ascii")
    if isinstance(value, str):
        data = value.encode("utf-8")
        return b"S" + str(len(data)).encode("ascii") + b":" + data
    raise TypeError(f"fprow1 has no token for {type(value).__name__}")


def _literal_piece(token: bytes) -> _Piece | None:
    """A token as a constant piece, or None when it cannot be written as a DuckDB literal (NUL bytes)."""
    if b"\x00" in token:
        return None
    return _literal(token.decode("utf-8"))


def encoding_sql(schema: pa.Schema, constants: Mapping[str, object] | None = None) -> str:
    """The DuckDB expression whose value is the fprow1 bytes of a row of a `hashable_batch`.

    `constants` names columns known to hold one value in every row of the batch (checked by the
    caller): their token is spliced in as a literal, which yields the same bytes at a fraction of
    the cost (the world-key columns repeat in every row). The tokens are the arguments of a single
    concat(), since nested concat() calls each build an intermediate string per row. Raises
    FailClosed(STREAM_SORT_TYPE_UNSUPPORTED) for a column type fprow1 does not define.
    """
    pieces: list[_Piece] = []
    for field in encoding_order(schema):
        literal = None
        if constants is not None and field.name in constants:
            literal = _literal_piece(value_token(constants[field.name]))
        pieces.extend([literal] if literal is not None else _token_pieces(field))
    if not pieces:
        raise FailClosed(STREAM_SORT_TYPE_UNSUPPORTED, "a row without columns has no encoding")
    return _concat(pieces)


_HEX_DIGITS = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_HEX_WIDTH = 16


def _bit_pattern_hex(column: pa.Array) -> pa.Array:
    """A float column as the 16 upper-case hex digits of its binary64 bit patterns (nulls stay null).

    Vectorised: the big-endian bytes of the bit patterns, split into nibbles and looked up, form
    the string data directly (every value is 16 bytes, so the offsets are a plain range).
    """
    if pa.types.is_float32(column.type):
        column = column.cast(pa.float64())
    rows = len(column)
    values = np.frombuffer(column.buffers()[1], dtype=np.uint64)[column.offset : column.offset + rows]
    octets = values.astype(">u8").view(np.uint8).reshape(rows, 8)
    digits = np.empty((rows, _HEX_WIDTH), dtype=np.uint8)
    digits[:, 0::2] = _HEX_DIGITS[octets >> 4]
    digits[:, 1::2] = _HEX_DIGITS[octets & 0x0F]
    offsets = np.arange(0, _HEX_WIDTH * (rows + 1), _HEX_WIDTH, dtype=np.int64)
    text = pa.Array.from_buffers(
        pa.large_string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(digits.reshape(-1))]
    )
    if column.null_count:
        text = pc.if_else(column.is_valid(), text, pa.scalar(None, pa.large_string()))
    return text


def hashable_batch(batch: pa.RecordBatch, extra: Sequence[tuple[str, pa.Array]] = ()) -> pa.RecordBatch:
    """The batch as DuckDB should see it for hashing: floats replaced by their bit patterns in hex.

    `extra` appends columns that are not part of the row (the view position for the ordered digest).
    """
    arrays: list[pa.Array] = []
    fields: list[pa.Field] = []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        kind = _value_type(field)
        if pa.types.is_float64(kind) or pa.types.is_float32(kind):
            if pa.types.is_dictionary(field.type):
                column = column.dictionary_decode()
            column = _bit_pattern_hex(column)
            field = pa.field(field.name, pa.large_string(), nullable=field.nullable)
        arrays.append(column)
        fields.append(field)
    for name, column in extra:
        arrays.append(column)
        fields.append(pa.field(name, column.type))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
