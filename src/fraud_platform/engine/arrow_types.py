"""The catalogue's column types as Arrow types, and the check of a file's schema against them.

The catalogue names the Arrow type exactly as the engine writes it (`large_string` from polars
writers, `string` from DuckDB and plain pyarrow writers; `merchant_id` uint64; `seed` int64 in 6B,
uint64 in 5B), so a world written differently is caught by name, output and column. The closure row
encoding is width-agnostic (an int32 and an int64 of the same value digest alike), so this check is
where widths are held to the engine's contract, not the digest.

What counts as a mismatch: any difference in integer width or signedness (int32 vs int64, int64 vs
uint64 — Parquet stores these as different physical types or logical annotations), float vs int,
bool vs anything, text vs non-text, an absent column. NOT a mismatch: `string` vs `large_string`.
Parquet stores both as the same UTF-8 byte array; the offset width is an Arrow in-memory choice that
survives only in the optional `ARROW:schema` footer metadata (polars writes it, DuckDB does not), so
the same engine output reads back as either depending on the writer, and no reader of ours treats
them differently. The catalogue still records which one the engine's writer produces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from fraud_platform.engine.catalogue import ColumnSpec, EngineCatalogue

__all__ = ["ColumnMismatch", "arrow_schema", "arrow_type", "same_column_type", "schema_mismatches"]

_ARROW_TYPES: Mapping[str, pa.DataType] = {
    "int32": pa.int32(),
    "int64": pa.int64(),
    "uint64": pa.uint64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "large_string": pa.large_string(),
}


def arrow_type(type_name: str) -> pa.DataType:
    """The Arrow type of a catalogue column type name (`KeyError` for a name the catalogue rejects)."""
    return _ARROW_TYPES[type_name]


_TEXT = frozenset({pa.string(), pa.large_string()})


def same_column_type(expected: pa.DataType, found: pa.DataType) -> bool:
    """Whether a file's column type meets the catalogue's (module docstring: text widths are one type)."""
    return found == expected or (expected in _TEXT and found in _TEXT)


def arrow_schema(columns: tuple[ColumnSpec, ...] | list[ColumnSpec]) -> pa.Schema:
    """An Arrow schema of exactly these columns, types and nullability, in this order."""
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in columns])


@dataclass(frozen=True)
class ColumnMismatch:
    """One relied-on column whose presence or Arrow type differs from the catalogue's."""

    output_id: str
    column: str
    expected: str
    found: str | None  # None: the column is absent

    def describe(self) -> str:
        found = "absent" if self.found is None else self.found
        return f"{self.output_id}.{self.column}: catalogue type {self.expected}, file has {found}"


def schema_mismatches(catalogue: EngineCatalogue, output_id: str, schema: pa.Schema) -> list[ColumnMismatch]:
    """Every catalogue column (world-key columns included) absent from `schema` or of another type.

    Extra columns in the file are allowed (the engine writes more than the platform relies on);
    nullability is not compared, since Parquet files written by polars and DuckDB mark every field
    nullable. Raises FailClosed(OUTPUT_UNKNOWN) for an output not in the catalogue.
    """
    found: list[ColumnMismatch] = []
    for column in catalogue.output_columns(output_id):
        expected = arrow_type(column.type)
        index = schema.get_field_index(column.name)
        if index < 0:
            found.append(ColumnMismatch(output_id, column.name, str(expected), None))
        elif not same_column_type(expected, schema.field(index).type):
            found.append(ColumnMismatch(output_id, column.name, str(expected), str(schema.field(index).type)))
    return found
