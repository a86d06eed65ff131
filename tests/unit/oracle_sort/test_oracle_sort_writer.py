"""Part writing is deterministic: the same rows give the same parts whatever the batch sizes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraud_platform.oracle.sort.writer import PartWriter
from fraud_platform.substrate.objectstore.port import ObjectInfo, PutOutcome, S3Location

SCHEMA = pa.schema([pa.field("ts_utc", pa.string()), pa.field("n", pa.int64())])


class _RecordingStore:
    """Only what PartWriter calls (put_if_absent); everything else is deliberately absent."""

    role = "test"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_if_absent(
        self,
        location: S3Location,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> PutOutcome:
        assert location.key not in self.objects, "a part was written twice"
        self.objects[location.key] = data
        return PutOutcome.CREATED

    def put_stream_if_absent(
        self,
        location: S3Location,
        stream: BinaryIO,
        size: int,
        *,
        sha256_hex: str,
        metadata: Mapping[str, str] | None = None,
    ) -> PutOutcome:
        raise NotImplementedError

    def put_if_match(self, location: S3Location, data: bytes, expected_etag: str | None) -> str:
        raise NotImplementedError

    def get(self, location: S3Location) -> bytes:
        raise NotImplementedError

    def get_with_etag(self, location: S3Location) -> tuple[bytes, str]:
        raise NotImplementedError

    def head(self, location: S3Location) -> ObjectInfo | None:
        raise NotImplementedError

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        raise NotImplementedError

    def delete(self, location: S3Location) -> None:
        raise NotImplementedError


def _write(batch_rows: int, rows: int = 1000) -> tuple[list[tuple[str, int, str]], dict[str, bytes]]:
    table = pa.table({"ts_utc": [f"t{i:05d}" for i in range(rows)], "n": list(range(rows))}, schema=SCHEMA)
    store = _RecordingStore()
    writer = PartWriter(
        store, S3Location("b", "view/"), "0123456789abcdef", SCHEMA, row_group_rows=128, part_rows=384
    )
    for batch in table.to_batches(max_chunksize=batch_rows):
        writer.add(batch)
    parts = writer.finish()
    return [(p.name, p.rows, p.sha256) for p in parts], store.objects


def test_parts_are_cut_at_fixed_rows_and_identical_across_batchings() -> None:
    first, objects = _write(batch_rows=100)
    second, _ = _write(batch_rows=333)
    assert first == second
    assert [rows for _name, rows, _sha in first] == [384, 384, 232]
    assert first[0][0] == "attempt=0123456789abcdef/part-000000.parquet"
    data = objects["view/attempt=0123456789abcdef/part-000001.parquet"]
    metadata = pq.ParquetFile(pa.BufferReader(data)).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [128, 128, 128]
    table = pq.read_table(pa.BufferReader(data))
    assert table.schema.equals(SCHEMA, check_metadata=False)
    assert table.column("n").to_pylist() == list(range(384, 768))


def test_part_rows_must_be_a_multiple_of_the_row_group() -> None:
    with pytest.raises(ValueError):
        PartWriter(
            _RecordingStore(),
            S3Location("b", "v/"),
            "0123456789abcdef",
            SCHEMA,
            row_group_rows=100,
            part_rows=150,
        )
