"""Writing the sorted rows as view parts: deterministic Parquet, fixed row groups, write-once.

Determinism matters because a part's SHA-256 is part of the receipt: the same rows in the same
order must give the same bytes. So the writer settings are fixed (`WRITER`), every row group holds
exactly `row_group_rows` rows (only the last of the view may hold fewer), and every part exactly
`part_rows` rows (a multiple of the row-group size; again only the last may hold fewer), whatever
batch sizes the sort happens to hand over.

Parts go to `attempt={attempt_id}/part-000000.parquet …` under the view folder through
`ObjectStore.put_if_absent` (on an upload thread, in part order): never renamed, never overwritten. A crash leaves at most an orphan
attempt folder that no receipt names.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from fraud_platform.core.pipeline import BackgroundConsumer
from fraud_platform.oracle.sort.closure.receipt import ViewPart, WriterSpec
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["DEFAULT_PART_ROWS", "DEFAULT_ROW_GROUP_ROWS", "PartWriter", "part_name", "writer_spec"]

DEFAULT_ROW_GROUP_ROWS = 131_072
DEFAULT_PART_ROWS = 4 * DEFAULT_ROW_GROUP_ROWS
_COMPRESSION = "zstd"
_COMPRESSION_LEVEL = 1
_CONTENT_TYPE = "application/vnd.apache.parquet"


def writer_spec(row_group_rows: int, part_rows: int) -> WriterSpec:
    """The settings recorded in the view manifest (the pyarrow version changes the bytes)."""
    return WriterSpec(
        library=f"pyarrow {pa.__version__}",
        compression=f"{_COMPRESSION}:{_COMPRESSION_LEVEL}",
        row_group_rows=row_group_rows,
        part_rows=part_rows,
    )


def part_name(attempt_id: str, index: int) -> str:
    """A part's name relative to the view folder."""
    return f"attempt={attempt_id}/part-{index:06d}.parquet"


class PartWriter:
    """Cuts a stream of sorted batches into parts and uploads each one as soon as it is complete."""

    def __init__(
        self,
        store: ObjectStore,
        view_folder: S3Location,
        attempt_id: str,
        schema: pa.Schema,
        *,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
        part_rows: int = DEFAULT_PART_ROWS,
        on_part: Callable[[ViewPart], None] | None = None,
    ) -> None:
        if row_group_rows <= 0 or part_rows <= 0 or part_rows % row_group_rows:
            raise ValueError("part_rows must be a positive multiple of row_group_rows")
        self._store = store
        self._folder = view_folder
        self._attempt = attempt_id
        self._schema = schema
        self._group_rows = row_group_rows
        self._part_rows = part_rows
        self._on_part = on_part
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._sink: io.BytesIO | None = None
        self._writer: pq.ParquetWriter | None = None
        self._part_rows_written = 0
        self._parts_started = 0
        self.parts: list[ViewPart] = []
        # Parts are uploaded on their own thread, so the next part is encoded meanwhile.
        self._uploads: BackgroundConsumer[tuple[str, int, bytes]] = BackgroundConsumer(
            self._upload, depth=1, name="fp-part-upload"
        )

    def add(self, batch: pa.RecordBatch) -> None:
        """Queue sorted rows (the source schema, tie-breaker already dropped)."""
        if batch.num_rows == 0:
            return
        if not batch.schema.equals(self._schema, check_metadata=False):
            batch = batch.cast(self._schema)
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        while self._pending_rows >= self._group_rows:
            self._write_group(self._take(self._group_rows))

    def finish(self) -> list[ViewPart]:
        """Write the last (short) row group and part, wait for the uploads; every part in view order."""
        if self._pending_rows:
            self._write_group(self._take(self._pending_rows))
        if self._writer is not None:
            self._close_part()
        self._uploads.close()
        return list(self.parts)

    def abandon(self) -> None:
        """Stop the upload thread without raising (the caller is already failing)."""
        self._uploads.abandon()

    def _take(self, rows: int) -> pa.Table:
        table = pa.Table.from_batches(self._pending, schema=self._pending[0].schema)
        head, tail = table.slice(0, rows), table.slice(rows)
        self._pending = tail.to_batches()
        self._pending_rows = tail.num_rows
        return head.combine_chunks()

    def _write_group(self, table: pa.Table) -> None:
        if self._writer is None:
            self._sink = io.BytesIO()
            self._writer = pq.ParquetWriter(
                self._sink,
                self._schema,
                compression=_COMPRESSION,
                compression_level=_COMPRESSION_LEVEL,
                use_dictionary=False,
                write_statistics=True,
                version="2.6",
                data_page_version="1.0",
                write_page_index=False,
            )
        self._writer.write_table(
            pa.Table.from_batches(table.to_batches(), schema=self._schema), row_group_size=self._group_rows
        )
        self._part_rows_written += table.num_rows
        if self._part_rows_written >= self._part_rows:
            self._close_part()

    def _close_part(self) -> None:
        writer, sink = self._writer, self._sink
        if writer is None or sink is None:
            raise RuntimeError("no part is open")
        writer.close()
        name = part_name(self._attempt, self._parts_started)
        self._uploads.submit((name, self._part_rows_written, sink.getvalue()))
        self._parts_started += 1
        self._writer, self._sink, self._part_rows_written = None, None, 0

    def _upload(self, job: tuple[str, int, bytes]) -> None:
        """Store one finished part (on the upload thread, in part order) and report it."""
        name, rows, data = job
        self._store.put_if_absent(self._folder.child(name), data, content_type=_CONTENT_TYPE)
        part = ViewPart(name=name, rows=rows, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        self.parts.append(part)
        if self._on_part is not None:
            self._on_part(part)
