"""Parquet footer validation of landed files, reading only each file's tail (never its data).

A Parquet file ends with its Thrift metadata, a 4-byte little-endian length and the magic `PAR1`.
The seal reads that tail (one ranged read, a second only for footers over 64 KiB), parses it with
pyarrow, and checks that every column chunk lies inside the file and that the columns the platform
relies on are there. Truncated, overwritten or foreign files fail with a reason; data pages are not
decoded (the stream-view sort reads every row, and its closure receipt proves the counts).

Ranged reads go through `pyarrow.fs.S3FileSystem` because the object-store port reads whole
objects only; at world scale the seal would otherwise download every streamed byte.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from fraud_platform.oracle.sort.source import arrow_s3_filesystem, map_arrow_errors
from fraud_platform.substrate.objectstore.port import S3Credentials, S3Location

__all__ = ["ArrowS3TailReader", "TailReader", "footer_problem", "parquet_problem"]

_MAGIC = b"PAR1"
_TAIL_GUESS = 64 * 1024


class TailReader(Protocol):
    """Reads the last bytes of an object."""

    def read_tail(self, location: S3Location, size: int, length: int) -> bytes:
        """The last `length` bytes of an object of `size` bytes."""
        ...


class ArrowS3TailReader:
    """Ranged reads over pyarrow's S3 filesystem (the one the sort uses), bound to one role."""

    def __init__(self, creds: S3Credentials) -> None:
        self._fs = arrow_s3_filesystem(creds)

    def read_tail(self, location: S3Location, size: int, length: int) -> bytes:
        with (
            map_arrow_errors(location.uri),
            self._fs.open_input_file(f"{location.bucket}/{location.key}") as handle,
        ):
            return bytes(handle.read_at(length, size - length))


def parquet_problem(
    reader: TailReader, location: S3Location, size: int, columns: Iterable[str]
) -> str | None:
    """Why the Parquet file at `location` is unusable, or None when its footer and schema are sound."""
    if size < 12:
        return f"{size} bytes is too short for a Parquet file"
    tail = reader.read_tail(location, size, min(size, _TAIL_GUESS))
    needed = _footer_length(tail)
    if needed is not None and needed + 8 > len(tail) and needed + 8 <= size - 4:
        tail = reader.read_tail(location, size, needed + 8)
    return footer_problem(tail, size, columns)


def footer_problem(tail: bytes, size: int, columns: Iterable[str]) -> str | None:
    """Validate a file's tail (at least its footer, length and magic); pure, for unit tests too."""
    length = _footer_length(tail)
    if length is None:
        return "no PAR1 magic at the end"
    if length + 12 > size or length + 8 > len(tail):
        return f"footer length {length} does not fit in {size} bytes"
    footer_start = size - 8 - length
    try:
        metadata = pq.read_metadata(pa.BufferReader(_MAGIC + tail[-(length + 8) :]))
    except (OSError, ValueError) as error:
        return f"footer does not parse: {error}"
    for group_index in range(metadata.num_row_groups):
        group = metadata.row_group(group_index)
        for column_index in range(group.num_columns):
            chunk = group.column(column_index)
            start = chunk.dictionary_page_offset or chunk.data_page_offset
            if start < 4 or start + chunk.total_compressed_size > footer_start:
                return f"row group {group_index} column {column_index} points outside the file"
    present = set(metadata.schema.names)
    absent = sorted(set(columns) - present)
    if absent:
        return f"columns {absent} are absent"
    return None


def _footer_length(tail: bytes) -> int | None:
    if len(tail) < 8 or tail[-4:] != _MAGIC:
        return None
    return int(struct.unpack("<I", tail[-8:-4])[0])
