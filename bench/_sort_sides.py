"""The two timed sides of `bench sort`, each run as its own child process (`python -m bench._sort_sides`).

A child per run gives each side a clean interpreter and lets the parent read the child's own peak
RSS and CPU time from `os.wait4`. Both sides plan with the same code (`SourceSet`: footers, row
groups, the (source path, row index) tie-breaker column) and give DuckDB the same threads and memory
limit:

- `bare`: decodes the landed files straight from pyarrow's S3 filesystem (random access,
  pre-buffered, `_s3_batches`: the read path the sort had before it re-proved its sources), then
  `COPY (SELECT * EXCLUDE tie-breaker FROM source ORDER BY ts_utc, tie-breaker) TO
  'local.parquet'` and nothing else (no source hash, no digest, no upload, no read-back);
- `ours`: `sort_stream_views` for the one output (sources streamed to the spill disk and their
  SHA-256 checked against the landing, raw digests, sort, parts uploaded write-once, read back,
  closure proof, manifest and receipt).

The child prints one JSON line: `{"side", "wall_s", "rows", "peak_rss_mb"}`. Peak RSS is the
child's own high-water mark (`VmHWM` in /proc/self/status): `ru_maxrss` from `wait4` would also
count the parent's memory, which a forked child inherits until it execs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.sort import SortOptions, sort_stream_views
from fraud_platform.oracle.sort.closure.digest import DEFAULT_ROW_HASH
from fraud_platform.oracle.sort.pack import load_sealed_pack
from fraud_platform.oracle.sort.source import TIEBREAK_COLUMN, SourceSet, arrow_s3_filesystem
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.local import substrates

_BATCH_ROWS = 65_536  # SortOptions.batch_rows, the batch size the sort decodes with


def _s3_batches(sources: SourceSet, fs: pafs.FileSystem, root: PackRoot) -> Iterator[pa.RecordBatch]:
    """Every source row with the tie-breaker, decoded straight from the store (random access, pre-buffered).

    The anchor's read path, kept as it was before the sort stages and re-proves its sources: each
    file opened on pyarrow's S3 filesystem, row group by row group, same batch size and threads.
    """
    for source in sources.files:
        base = source.ordinal << 40
        with fs.open_input_file(f"{root.location.bucket}/{root.prefix}{source.path}") as handle:
            parquet = pq.ParquetFile(handle, metadata=source.metadata, pre_buffer=True)
            for group in source.row_groups:
                row = group.first_row
                for batch in parquet.iter_batches(
                    batch_size=_BATCH_ROWS, row_groups=[group.index], use_threads=True
                ):
                    batch = pa.RecordBatch.from_arrays(batch.columns, schema=sources.schema)
                    tiebreak = pa.array(np.arange(base + row, base + row + batch.num_rows, dtype=np.int64))
                    row += batch.num_rows
                    yield pa.RecordBatch.from_arrays(
                        [*batch.columns, tiebreak], schema=sources.schema_with_tiebreak
                    )


def _bare(args: argparse.Namespace) -> int:
    root = PackRoot.parse(args.root)
    creds = substrates(args.fp_home).operator
    store = open_object_store(creds)
    pack = load_sealed_pack(store, root, args.scenario)
    spec = load_catalogue().output(args.output)
    fs = arrow_s3_filesystem(creds)
    sources = SourceSet(fs, root, pack.source_files(spec), spec.sort_keys)
    reader = pa.RecordBatchReader.from_batches(sources.schema_with_tiebreak, _s3_batches(sources, fs, root))
    keys = ", ".join(f'"{key}"' for key in spec.sort_keys)
    with tempfile.TemporaryDirectory(prefix="fp-bench-bare-") as folder:
        spill = str(args.temp_dir or folder)
        con = duckdb.connect(
            config={"threads": 2, "memory_limit": f"{args.memory_mb}MB", "temp_directory": spill}
        )
        con.register("source", reader)
        con.execute(
            f"COPY (SELECT * EXCLUDE ({TIEBREAK_COLUMN}) FROM source ORDER BY {keys}, {TIEBREAK_COLUMN}) "
            f"TO '{folder}/bare.parquet' (FORMAT parquet)"
        )
        rows = con.sql(f"SELECT count(*) FROM read_parquet('{folder}/bare.parquet')").fetchall()[0][0]
        con.close()
    return int(rows)


def _ours(args: argparse.Namespace) -> int:
    creds = substrates(args.fp_home).operator
    store = open_object_store(creds)
    options = SortOptions(
        memory_limit_mb=args.memory_mb,
        row_hash=args.row_hash,
        window_days=args.window_days,
        temp_dir=args.temp_dir,
    )
    root = PackRoot.parse(args.root)
    results = sort_stream_views(store, creds, root, args.scenario, outputs=[args.output], options=options)
    if results[0].status != "created":
        raise RuntimeError(f"expected a fresh view, got {results[0].status}")
    return results[0].rows


def _peak_rss_mb() -> float:
    """This process's resident-set high-water mark, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._sort_sides")
    parser.add_argument("side", choices=["bare", "ours"])
    parser.add_argument("--root", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--fp-home", type=Path, required=True)
    parser.add_argument("--row-hash", default=DEFAULT_ROW_HASH, choices=["md5", "sha256"])
    parser.add_argument(
        "--temp-dir", type=Path, default=None, help="DuckDB's spill folder (and ours' staging)"
    )
    parser.add_argument("--window-days", type=int, default=None, help="ours only: sort in event-time windows")
    args = parser.parse_args(argv)
    side = _bare if args.side == "bare" else _ours
    started = time.perf_counter()
    rows = side(args)
    wall = time.perf_counter() - started
    record = {
        "side": args.side,
        "row_hash": args.row_hash,
        "wall_s": round(wall, 3),
        "rows": rows,
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
