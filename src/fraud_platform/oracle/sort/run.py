"""Stream views (`fp oracle sort`): one sorted, proven view per output of a sealed pack.

For each output (default: the catalogue's six traffic and context outputs):

1. a committed receipt bound to this pack, output and sort keys, whose parts are all present →
   skipped (a rerun converges); a receipt bound to anything else → STREAM_SORT_CONFLICT;
2. the sources are the landed Parquet files of the sealed scenario's partition (landing manifest);
3. a fresh attempt with a new random `attempt_id`: one scan of the sources feeds the raw digests and
   the DuckDB sort, whose output is cut into parts under `attempt={attempt_id}/` (write-once);
4. each part is HEADed and read back as soon as it is stored (on a proof thread, while the sort
   goes on); the sorted side of the proof is computed from those bytes only;
5. the proof must hold (closure.require_closure), else nothing is committed;
6. `attempt={attempt_id}/_stream_view_manifest.json` (write-once, attempt-scoped), then
   `_stream_sort_receipt.json` LAST: the commit, naming the attempt and the manifest's SHA-256.

Nothing with a fixed name is written before the receipt, so no uncommitted attempt is ever adopted
and an attempt whose proof failed can never block the view. Crash points and outcomes:
- during the parts, after them, after the proof, after the manifest: no receipt; the orphan
  attempt folder is never named by a receipt and a rerun starts a new attempt and commits it;
- after the receipt: committed; a rerun confirms it (binding, proof, parts present) and skips.
Two sorters racing on one output each write their own attempt; the receipt's `If-None-Match`
elects one, and the loser confirms the winner's receipt (same raw side, parts present) and
reports `confirmed`. Nothing is renamed, overwritten or deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow.fs as pafs

from fraud_platform.core.canonical import sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.pipeline import BackgroundConsumer
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.engine.catalogue import EngineCatalogue, OutputSpec, load_catalogue
from fraud_platform.oracle._store import read_optional, write_once
from fraud_platform.oracle.layout import PackRoot, view_manifest_name
from fraud_platform.oracle.sort._reasons import STREAM_SORT_CONFLICT, STREAM_SORT_SOURCE_MISSING
from fraud_platform.oracle.sort.closure.digest import DEFAULT_ROW_HASH, RowHasher
from fraud_platform.oracle.sort.closure.receipt import (
    TIE_BREAKERS,
    DocumentRef,
    RowDigestSpec,
    SourceFileRef,
    StreamSortReceipt,
    StreamViewManifest,
    ViewColumn,
    ViewPart,
    closure_problems,
    compute_stream_view_id,
    parse_receipt,
    require_closure,
)
from fraud_platform.oracle.sort.engine import DuckSettings, RawSide, sort_to_parts
from fraud_platform.oracle.sort.pack import SealedPack, load_sealed_pack
from fraud_platform.oracle.sort.readback import SortedSide, check_parts_present
from fraud_platform.oracle.sort.source import SourceSet, TimeWindow, arrow_s3_filesystem
from fraud_platform.oracle.sort.writer import (
    DEFAULT_PART_ROWS,
    DEFAULT_ROW_GROUP_ROWS,
    PartWriter,
    writer_spec,
)
from fraud_platform.substrate._reasons import OBJECT_CONFLICT
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Credentials, S3Location

__all__ = ["SortOptions", "SortProgress", "ViewResult", "sort_stream_views"]

# The budget is split: each of the two hashing DuckDBs (raw side, view side) gets _HASHER_MEMORY_MB,
# Arrow batches in flight, the parts being encoded and uploaded and the interpreter keep
# _OUTSIDE_DUCKDB_MB, and the sorting DuckDB gets the rest as its memory_limit.
_HASHER_MEMORY_MB = 96
# Each hasher runs on its own Python thread (raw side, view side) next to the sorting DuckDB; two
# DuckDB threads each let a lone hasher (the view proof after the sort has finished) use both cores.
_HASHER_THREADS = 2
_OUTSIDE_DUCKDB_MB = 160
_MIN_SORT_MEMORY_MB = 64
# Parts waiting for their read-back proof. The queue holds only part names (the proof reads the
# bytes back from the store), so it may run far behind: the proof of one window's parts then
# overlaps the next window's sort instead of holding it up.
_PROOF_QUEUE_PARTS = 4096


class SortProgress(Protocol):
    """What a sort tells a progress display; called on the sorting threads."""

    def started(self, output_id: str, work_rows: int) -> None:
        """An output begins: `work_rows` rows will be processed (sort pass plus read-back pass)."""
        ...

    def advanced(self, output_id: str, rows: int) -> None:
        """`rows` more rows were processed."""
        ...

    def stage(self, output_id: str, stage: str) -> None:
        """A milestone: parts_written, proven, manifest_written, committed, confirmed, skipped."""
        ...


@dataclass(frozen=True)
class SortOptions:
    """Tuning of one sort run. `memory_limit_mb` is the whole budget (profile sort_memory_limit_mb)."""

    memory_limit_mb: int = 1024
    threads: int = 2
    window_days: int | None = None
    row_hash: str = DEFAULT_ROW_HASH
    temp_dir: Path | None = None
    part_rows: int = DEFAULT_PART_ROWS
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS
    batch_rows: int = 65_536

    def duck(self) -> DuckSettings:
        sort_mb = max(_MIN_SORT_MEMORY_MB, self.memory_limit_mb - 2 * _HASHER_MEMORY_MB - _OUTSIDE_DUCKDB_MB)
        return DuckSettings(sort_mb, self.threads, self.temp_dir, self.batch_rows)


@dataclass(frozen=True)
class ViewResult:
    """What happened to one output's view."""

    output_id: str
    stream_view_id: str
    status: str  # created | skipped (committed before) | confirmed (another sorter won the race)
    rows: int
    receipt_uri: str
    view_uri: str
    attempt_id: str
    parts: int
    elapsed_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "output_id": self.output_id,
            "stream_view_id": self.stream_view_id,
            "status": self.status,
            "rows": self.rows,
            "receipt_uri": self.receipt_uri,
            "view_uri": self.view_uri,
            "attempt_id": self.attempt_id,
            "parts": self.parts,
            "elapsed_s": self.elapsed_s,
        }


class _NoProgress:
    def started(self, output_id: str, work_rows: int) -> None:
        return None

    def advanced(self, output_id: str, rows: int) -> None:
        return None

    def stage(self, output_id: str, stage: str) -> None:
        return None


@dataclass
class _Context:
    store: ObjectStore
    fs: pafs.FileSystem
    catalogue: EngineCatalogue
    pack: SealedPack
    options: SortOptions
    progress: SortProgress
    clock: Clock


def sort_stream_views(
    store: ObjectStore,
    creds: S3Credentials,
    root: PackRoot | str,
    scenario_id: str,
    *,
    outputs: Sequence[str] | None = None,
    options: SortOptions | None = None,
    progress: SortProgress | None = None,
    clock: Clock | None = None,
    catalogue: EngineCatalogue | None = None,
    filesystem: pafs.FileSystem | None = None,
) -> list[ViewResult]:
    """Build (or confirm) the stream view of each output; idempotent, resumable, blocks until done.

    Raises FailClosed with PACK_NOT_SEALED, PACK_MANIFEST_INVALID, WORLD_KEY_MISMATCH,
    OUTPUT_UNKNOWN (before any work), then per output STREAM_SORT_* codes; TransientError when the
    store is unreachable. Outputs before a failing one stay committed.
    """
    catalogue = catalogue or load_catalogue()
    pack_root = root if isinstance(root, PackRoot) else PackRoot.parse(root)
    wanted = list(outputs) if outputs else list(catalogue.default_stream_outputs)
    specs = [catalogue.output(output_id) for output_id in wanted]
    pack = load_sealed_pack(store, pack_root, scenario_id)
    context = _Context(
        store=store,
        fs=filesystem or arrow_s3_filesystem(creds),
        catalogue=catalogue,
        pack=pack,
        options=options or SortOptions(),
        progress=progress or _NoProgress(),
        clock=clock or SystemClock(),
    )
    return [_sort_one(context, spec) for spec in specs]


def _sort_one(context: _Context, spec: OutputSpec) -> ViewResult:
    started = context.clock.monotonic()
    pack, output_id = context.pack, spec.output_id
    sort_keys = list(spec.sort_keys)
    view_id = compute_stream_view_id(pack.oracle_pack_id, output_id, sort_keys)
    folder = pack.root.child(pack.root.stream_view_dir(output_id))
    receipt_location = pack.root.stream_receipt(output_id)

    committed = read_optional(context.store, receipt_location)
    if committed is not None:
        receipt = _confirm_committed(context, folder, committed, output_id, sort_keys)
        context.progress.stage(output_id, "skipped")
        return _result(context, spec, receipt, "skipped", started)

    entries = pack.source_files(spec)
    if not entries:
        raise FailClosed(
            STREAM_SORT_SOURCE_MISSING,
            f"no landed Parquet file for {output_id} in scenario {pack.manifest.world_key.scenario_id}",
            {"output_id": output_id, "root": pack.root.uri},
        )
    sources = SourceSet(context.fs, pack.root, entries, sort_keys, batch_rows=context.options.batch_rows)
    windows = sources.windows(context.options.window_days)
    context.progress.started(output_id, 2 * sources.total_rows)

    def _advance(rows: int) -> None:
        context.progress.advanced(output_id, rows)

    with _hasher(context, sources) as raw_hasher, _hasher(context, sources) as view_hasher:
        raw = RawSide(sort_keys, raw_hasher)
        view = SortedSide(
            context.store, context.fs, folder, sources.schema, sort_keys, view_hasher,
            batch_rows=context.options.batch_rows, on_rows=_advance,
        )  # fmt: skip
        manifest = _fresh_attempt(context, spec, view_id, sources, windows, raw, view, folder, _advance)
        raw_summary = raw.summary()
        require_closure(output_id, raw_summary, view.summary(), manifest.parts)
    context.progress.stage(output_id, "proven")
    manifest_name = view_manifest_name(manifest.attempt_id)
    manifest_bytes = manifest.to_bytes()
    write_once(context.store, folder.child(manifest_name), manifest_bytes, STREAM_SORT_CONFLICT)
    context.progress.stage(output_id, "manifest_written")
    receipt = StreamSortReceipt(
        stream_view_id=view_id,
        oracle_pack_id=pack.oracle_pack_id,
        output_id=output_id,
        world_key=pack.manifest.world_key,
        sort_keys=sort_keys,
        tie_breakers=list(TIE_BREAKERS),
        row_digest=RowDigestSpec.named(context.options.row_hash),
        window_days=manifest.window_days,
        attempt_id=manifest.attempt_id,
        manifest=DocumentRef(name=manifest_name, sha256=sha256_hex(manifest_bytes)),
        sources=[SourceFileRef(path=f.path, rows=f.rows, sha256=f.sha256) for f in sources.files],
        raw=raw_summary,
        sorted=view.summary(),
        parts=manifest.parts,
    )
    if not _commit_receipt(context.store, receipt_location, receipt.to_bytes()):
        # Another sorter committed first: its receipt must be one we would accept, over our sources.
        winner = _confirm_committed(
            context, folder, context.store.get(receipt_location), output_id, sort_keys
        )
        same_hash = winner.row_digest == receipt.row_digest
        if winner.sources != receipt.sources or (same_hash and winner.raw != raw_summary):
            raise FailClosed(
                STREAM_SORT_CONFLICT,
                f"{output_id}: the receipt that won the race proves other rows than these sources",
                {"output_id": output_id, "winner_attempt_id": winner.attempt_id},
            )
        context.progress.stage(output_id, "confirmed")
        return _result(context, spec, winner, "confirmed", started)
    context.progress.stage(output_id, "committed")
    return _result(context, spec, receipt, "created", started)


def _hasher(context: _Context, sources: SourceSet) -> RowHasher:
    """A private hashing DuckDB; the world-key columns (one value per pack) go in as literals."""
    return RowHasher(
        sources.schema,
        threads=_HASHER_THREADS,
        memory_limit_mb=_HASHER_MEMORY_MB,
        constant_candidates=[column.name for column in context.catalogue.world_key_columns],
        row_hash=context.options.row_hash,
    )


def _fresh_attempt(
    context: _Context,
    spec: OutputSpec,
    view_id: str,
    sources: SourceSet,
    windows: list[TimeWindow],
    raw: RawSide,
    view: SortedSide,
    folder: S3Location,
    advance: Callable[[int], None],
) -> StreamViewManifest:
    """Sort into a new attempt's parts; each part is read back and proven as soon as it is stored."""
    options = context.options
    attempt_id = secrets.token_hex(8)
    reader: BackgroundConsumer[ViewPart] = BackgroundConsumer(
        view.add_part, depth=_PROOF_QUEUE_PARTS, name="fp-view-proof"
    )
    writer = PartWriter(
        context.store,
        folder,
        attempt_id,
        sources.schema,
        row_group_rows=options.row_group_rows,
        part_rows=options.part_rows,
        on_part=reader.submit,
    )
    try:
        sort_to_parts(sources, windows, raw, writer, options.duck(), advance)
        parts = writer.finish()
    except BaseException:
        writer.abandon()
        reader.abandon()
        raise
    reader.close()
    context.progress.stage(spec.output_id, "parts_written")
    return StreamViewManifest(
        stream_view_id=view_id,
        oracle_pack_id=context.pack.oracle_pack_id,
        output_id=spec.output_id,
        world_key=context.pack.manifest.world_key,
        sort_keys=list(spec.sort_keys),
        tie_breakers=list(TIE_BREAKERS),
        attempt_id=attempt_id,
        window_days=options.window_days,
        row_count=sum(part.rows for part in parts),
        columns=[ViewColumn(name=f.name, type=str(f.type)) for f in sources.schema],
        writer=writer_spec(options.row_group_rows, options.part_rows),
        parts=parts,
    )


def _commit_receipt(store: ObjectStore, location: S3Location, data: bytes) -> bool:
    """Write the receipt once; False when another sorter's receipt is already there (it won)."""
    try:
        store.put_if_absent(location, data, content_type="application/json")
    except FailClosed as error:
        if error.code == OBJECT_CONFLICT:
            return False
        raise
    return True


def _confirm_committed(
    context: _Context, folder: S3Location, data: bytes, output_id: str, sort_keys: list[str]
) -> StreamSortReceipt:
    receipt = parse_receipt(data)
    problems = receipt.binding_problems(context.pack.oracle_pack_id, output_id, sort_keys)
    problems += closure_problems(receipt.raw, receipt.sorted, receipt.parts)
    problems += receipt.attempt_problems()
    if problems:
        raise FailClosed(
            STREAM_SORT_CONFLICT,
            f"{output_id}: the committed receipt does not fit this pack: {problems[0]}",
            {"output_id": output_id, "problems": problems},
        )
    check_parts_present(context.store, folder, receipt.parts)
    return receipt


def _result(
    context: _Context, spec: OutputSpec, receipt: StreamSortReceipt, status: str, started: float
) -> ViewResult:
    root = context.pack.root
    return ViewResult(
        output_id=spec.output_id,
        stream_view_id=receipt.stream_view_id,
        status=status,
        rows=receipt.sorted.row_count,
        receipt_uri=root.stream_receipt(spec.output_id).uri,
        view_uri=root.stream_view_uri(spec.output_id),
        attempt_id=receipt.attempt_id,
        parts=len(receipt.parts),
        elapsed_s=round(context.clock.monotonic() - started, 3),
    )
