"""Exact multiset and ordered digests of row sets, computed batch by batch without per-row Python.

H is the receipt's row hash: MD5 (128 bits, RFC 1321; the default) or SHA-256 (256 bits); both are
DuckDB built-ins, named in the receipt, and the digest width b follows from it.

multiset digest
    The sum of the row digests (H of fprow1, read as b-bit big-endian unsigned integers) modulo
    2^b. Addition commutes, so any permutation of the same rows gives the same value, and a
    dropped, duplicated or changed row changes it (except with probability ~2^-b).
ordered digest
    The same sum over H of the ASCII text `"{position}:{row digest hex}"`, position being the row's
    0-based place in the sequence (decimal, no padding). Swapping two different rows changes it;
    with the multiset digest and the check that sort keys never decrease, it proves the order.

Why MD5 by default: on this project's 2-core machines DuckDB's SHA-256 (no SHA-NI) costs ~1.2 µs
per 230-byte row against ~0.6 µs for MD5, and the three hashes per row (raw, view, ordered) then
decide whether the proof stays within 3x a bare sort (docs/performance.md has the figures).
CONTRACTS.md allows any documented hash of at least 128 bits; the proof guards against drops,
duplicates and reordering by bugs, not against an adversary forging rows (an additive multiset hash
is not collision-resistant against one whatever H is). SHA-256 remains one option away.

Why nibble sums: the digests arrive from DuckDB as b/4 hex characters per row, contiguous in one
Arrow buffer. Summing each hex position over the batch in numpy (uint64, no overflow below 2^60
rows) and then folding `Σ sum[j] · 16^(last-j)` with Python's exact integers gives the exact sum of
the batch with no per-row Python and no decoding to bytes. Lanes of 4 bits, carried exactly: the
"eight 32-bit lanes" of CONTRACTS.md, only narrower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraud_platform.oracle.sort.closure.encoding import encoding_sql, hashable_batch

__all__ = [
    "DEFAULT_ROW_HASH",
    "ROW_HASH_BITS",
    "BatchDigests",
    "DigestTotals",
    "RowHasher",
    "digest_hex",
    "hex_digest_sum",
]

# Row hashes a receipt may name, with their digest width in bits (DuckDB function of the same name).
ROW_HASH_BITS: dict[str, int] = {"md5": 128, "sha256": 256}
DEFAULT_ROW_HASH = "md5"
_POSITION_COLUMN = "__fp_position"
_BATCH_TABLE = "__fp_batch"
# Slices handed to DuckDB per batch: one Arrow chunk is scanned by one thread, so a batch cut in a
# few slices keeps both hashing threads busy.
_SLICE_ROWS = 16_384
_MAX_CACHED_EXPRESSIONS = 64


def digest_hex(value: int, bits: int) -> str:
    """A b-bit sum as b/4 lowercase hex digits (the receipt's form)."""
    return format(value % (1 << bits), f"0{bits // 4}x")


def _hex_matrix(chunk: pa.Array, width: int) -> np.ndarray:
    """The (rows, width) uint8 view of a string array whose values are all `width` hex characters."""
    if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
        chunk = chunk.cast(pa.large_string())
    if chunk.null_count:
        raise ValueError("a row digest is null")
    rows = len(chunk)
    offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(chunk.buffers()[1], dtype=offset_type)[chunk.offset : chunk.offset + rows + 1]
    start = int(offsets[0])
    if int(offsets[-1]) - start != width * rows or (rows and not np.all(np.diff(offsets) == width)):
        raise ValueError(f"a row digest is not {width} hex characters")
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
    return data[start : start + width * rows].reshape(rows, width)


def hex_digest_sum(column: pa.Array | pa.ChunkedArray, bits: int) -> int:
    """Σ of b-bit hex digests as integers, modulo 2^b, exactly and without a per-row loop."""
    width = bits // 4
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    total = 0
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        matrix = _hex_matrix(chunk, width)
        # '0'-'9' are 0x30-0x39 and 'a'-'f' 0x61-0x66: the low nibble plus 9 when bit 6 is set.
        nibbles = (matrix & 0x0F) + 9 * (matrix >> 6)
        sums = nibbles.sum(axis=0, dtype=np.uint64)
        for position, value in enumerate(sums.tolist()):
            total += value << (4 * (width - 1 - position))
    return total % (1 << bits)


@dataclass(frozen=True)
class BatchDigests:
    """The digests of one batch: rows, multiset sum and (when positions were given) ordered sum."""

    rows: int
    multiset: int
    ordered: int | None


@dataclass
class DigestTotals:
    """Running totals over many batches (exact integers, reduced mod 2^bits)."""

    bits: int
    rows: int = 0
    multiset: int = 0
    ordered: int = 0
    batches: int = field(default=0, repr=False)

    def add(self, digests: BatchDigests) -> None:
        modulus = 1 << self.bits
        self.rows += digests.rows
        self.multiset = (self.multiset + digests.multiset) % modulus
        if digests.ordered is not None:
            self.ordered = (self.ordered + digests.ordered) % modulus
        self.batches += 1

    @property
    def multiset_hex(self) -> str:
        return digest_hex(self.multiset, self.bits)

    @property
    def ordered_hex(self) -> str:
        return digest_hex(self.ordered, self.bits)


class RowHasher:
    """Hashes batches of one schema with DuckDB's built-in `md5` or `sha256` over the fprow1 bytes.

    Owns a private in-memory DuckDB database (its own threads and a small memory limit), so it can
    run while another connection is sorting, even from inside the Arrow stream that feeds that sort.
    Not thread-safe; close it when done.
    """

    def __init__(
        self,
        schema: pa.Schema,
        *,
        threads: int = 2,
        memory_limit_mb: int = 128,
        constant_candidates: Sequence[str] = (),
        row_hash: str = DEFAULT_ROW_HASH,
    ) -> None:
        if row_hash not in ROW_HASH_BITS:
            raise ValueError(f"unknown row hash {row_hash!r}; known: {sorted(ROW_HASH_BITS)}")
        self.row_hash = row_hash
        self.bits = ROW_HASH_BITS[row_hash]
        self._schema = schema
        self._expressions: dict[tuple[tuple[str, object], ...], str] = {(): encoding_sql(schema)}
        self._candidates = [
            name
            for name in constant_candidates
            if name in schema.names and _literal_type(schema.field(name).type)
        ]
        self._con = duckdb.connect(
            config={
                "threads": threads,
                "memory_limit": f"{memory_limit_mb}MB",
                "enable_external_access": False,
            }
        )

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> RowHasher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def digest(self, batch: pa.RecordBatch, first_position: int | None = None) -> BatchDigests:
        """Digests of `batch` (its schema must be the hasher's); ordered only with `first_position`."""
        rows = batch.num_rows
        if rows == 0:
            return BatchDigests(0, 0, 0 if first_position is not None else None)
        extra: list[tuple[str, pa.Array]] = []
        if first_position is not None:
            positions = np.arange(first_position, first_position + rows, dtype=np.int64)
            extra.append((_POSITION_COLUMN, pa.array(positions)))
        expression = self._expression_for(batch)
        prepared = hashable_batch(batch, extra)
        table = pa.Table.from_batches(
            [prepared.slice(start, _SLICE_ROWS) for start in range(0, rows, _SLICE_ROWS)]
        )
        if first_position is None:
            query = f"SELECT {self.row_hash}({expression}) AS h FROM {_BATCH_TABLE}"
        else:
            query = (
                f"SELECT h, {self.row_hash}(concat({_POSITION_COLUMN}, ':', h)) AS o FROM "
                f"(SELECT {self.row_hash}({expression}) AS h, {_POSITION_COLUMN} FROM {_BATCH_TABLE})"
            )
        self._con.register(_BATCH_TABLE, table)
        try:
            result = self._con.sql(query).to_arrow_table()
        finally:
            self._con.unregister(_BATCH_TABLE)
        if result.num_rows != rows:
            raise ValueError(f"hashed {result.num_rows} rows of a {rows}-row batch")
        ordered = hex_digest_sum(result.column("o"), self.bits) if first_position is not None else None
        return BatchDigests(rows, hex_digest_sum(result.column("h"), self.bits), ordered)

    def _expression_for(self, batch: pa.RecordBatch) -> str:
        """The encoding with the candidate columns that hold one value in this batch as literals."""
        constants: list[tuple[str, object]] = []
        for name in self._candidates:
            column = batch.column(name)
            if column.null_count:
                continue
            bounds = pc.min_max(column)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if low == high and type(low) is type(high):
                constants.append((name, low))
        key = tuple(constants)
        if key not in self._expressions:
            if len(self._expressions) >= _MAX_CACHED_EXPRESSIONS:
                self._expressions = {(): self._expressions[()]}
            self._expressions[key] = encoding_sql(self._schema, dict(constants))
        return self._expressions[key]


def _literal_type(kind: pa.DataType) -> bool:
    """Types whose equal values have one encoding (not floats: -0.0 == 0.0 but their bits differ)."""
    return bool(pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind))
