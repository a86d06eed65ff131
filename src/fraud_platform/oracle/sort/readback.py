"""The sorted side of the closure proof, recomputed from the parts as the store returns them.

Each part is first checked by a HEAD (present, same size, same stored SHA-256 as recorded), then
read back through pyarrow in view order: its schema must be the source's, its row count the one
recorded, and every row is hashed again (multiset and, with its position in the view, ordered
digest) while the sort keys are checked never to decrease, across part boundaries too. Nothing is
carried over from the sort: only the bytes the store returns count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.pipeline import prefetch
from fraud_platform.oracle._store import stored_sha256
from fraud_platform.oracle.sort._reasons import (
    STREAM_SORT_CLOSURE_FAILED,
    STREAM_SORT_SCHEMA_MISMATCH,
    STREAM_SORT_SOURCE_UNREADABLE,
)
from fraud_platform.oracle.sort.closure.digest import DigestTotals, RowHasher
from fraud_platform.oracle.sort.closure.keys import KeyTracker
from fraud_platform.oracle.sort.closure.receipt import SideSummary, ViewPart
from fraud_platform.oracle.sort.source import map_arrow_errors
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["SortedSide", "check_part_present", "check_parts_present"]


def check_part_present(store: ObjectStore, folder: S3Location, part: ViewPart) -> None:
    """The part is in the store with its recorded size and SHA-256; else SOURCE_UNREADABLE."""
    info = store.head(folder.child(part.name))
    if info is None:
        raise FailClosed(
            STREAM_SORT_SOURCE_UNREADABLE, f"view part {part.name} is absent", {"part": part.name}
        )
    if info.size != part.size or stored_sha256(info) != part.sha256:
        raise FailClosed(
            STREAM_SORT_SOURCE_UNREADABLE,
            f"view part {part.name} differs from what was written",
            {"part": part.name, "size": info.size, "sha256": stored_sha256(info)},
        )


def check_parts_present(store: ObjectStore, folder: S3Location, parts: Sequence[ViewPart]) -> None:
    """Every part is in the store with its recorded size and SHA-256."""
    for part in parts:
        check_part_present(store, folder, part)


class SortedSide:
    """The sorted side of the proof, fed one written part at a time, in view order.

    Fed from a background thread while the sort is still writing later parts, so reading back and
    hashing overlap the sort; `summary()` is only valid once every part was added.
    """

    def __init__(
        self,
        store: ObjectStore,
        fs: pafs.FileSystem,
        folder: S3Location,
        schema: pa.Schema,
        sort_keys: Sequence[str],
        hasher: RowHasher,
        *,
        batch_rows: int = 65_536,
        on_rows: Callable[[int], None] | None = None,
    ) -> None:
        self._store = store
        self._fs = fs
        self._folder = folder
        self._schema = schema
        self._hasher = hasher
        self._batch_rows = batch_rows
        self._on_rows = on_rows
        self._totals = DigestTotals(hasher.bits)
        self._keys = KeyTracker(sort_keys, check_order=True)
        self.parts: list[ViewPart] = []

    def add_part(self, part: ViewPart) -> None:
        """HEAD the part, read it back from the store and fold its rows in."""
        check_part_present(self._store, self._folder, part)
        rows = 0
        for batch in prefetch(self._batches(part), name="fp-view-read"):
            self._keys.update(batch)
            self._totals.add(self._hasher.digest(batch, first_position=self._totals.rows))
            rows += batch.num_rows
            if self._on_rows is not None:
                self._on_rows(batch.num_rows)
        if rows != part.rows:
            raise FailClosed(
                STREAM_SORT_CLOSURE_FAILED,
                f"view part {part.name} holds {rows} rows, {part.rows} were written",
                {"part": part.name, "read": rows, "written": part.rows},
            )
        self.parts.append(part)

    def _batches(self, part: ViewPart) -> Iterator[pa.RecordBatch]:
        location = self._folder.child(part.name)
        with map_arrow_errors(part.name):
            reader = pq.ParquetFile(
                self._fs.open_input_file(f"{location.bucket}/{location.key}"), pre_buffer=True
            )
            if not reader.schema_arrow.equals(self._schema, check_metadata=False):
                raise FailClosed(
                    STREAM_SORT_SCHEMA_MISMATCH, f"view part {part.name} has another schema than the source"
                )
            yield from reader.iter_batches(batch_size=self._batch_rows, use_threads=True)

    def summary(self) -> SideSummary:
        return SideSummary(
            row_count=self._totals.rows,
            min=list(self._keys.minimum) if self._keys.minimum is not None else None,
            max=list(self._keys.maximum) if self._keys.maximum is not None else None,
            multiset_digest=self._totals.multiset_hex,
            ordered_digest=self._totals.ordered_hex,
            keys_non_decreasing=self._keys.ordered,
        )
