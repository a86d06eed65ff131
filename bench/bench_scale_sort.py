"""`bench scale-sort`: the sort of one engine-sized output (125M rows) against bare DuckDB, same run.

Why: the first generation of this platform took 77 minutes to sort one 125M-row output on 8 vCPU /
32 GB, and ran out of memory on the full set. This benchmark proves the stream-view sort, with its
closure proof, at that size on this 2-core machine under a 4 GB memory limit.

How it is measured:
- the world comes from `bench/_scale_world.py`: a small synthetic world whose
  `s2_flow_anchor_baseline_6B` is replaced by 125M generated rows in the engine's ~591 files, written
  with Parquet statistics off as the engine writes its baseline outputs (so windows must come from the
  data); cached by a digest of the generator's contract;
- fresh local substrates in a temporary FP_HOME (stopped by PID), the world landed and sealed;
- one `bare` run (`COPY … ORDER BY ts_utc, tie-breaker` of the same files through the same pyarrow S3
  path, same threads and memory limit) and one `ours` run (`sort_stream_views` of the output with its
  closure proof, windowed by `WINDOW_DAYS`), each a child process (`bench/_sort_sides.py`) whose
  wall time, peak RSS (VmHWM) and CPU time are measured; the parent samples each side's spill
  folder every half second and reports its peak size;
- ratio = ours / bare wall time, target ≤ 2.5; the goal on this machine is also ours ≤ 15 minutes
  and our peak RSS ≤ the limit + 300 MB. All three must hold for PASS.

`FP_BENCH_SCALE_ROWS` and `FP_BENCH_SCALE_FILES` shrink the world for a smoke run (the verdict then
says nothing about the engine's size, and the first line says so).

Run: `make bench BENCH=scale-sort` or `.venv/bin/python -m bench scale-sort`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import BenchResult
from bench._scale_world import ScaleWorldSpec, scale_world
from fraud_platform.oracle.land import land_world
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.seal import seal_pack
from fraud_platform.oracle.sources import LocalFolderSource
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import down, substrates, up

__all__ = ["NAME", "TARGET", "run"]

NAME = "scale-sort"
TARGET = 2.5
MEMORY_MB = 4096
RSS_HEADROOM_MB = 300
GOAL_S = 15 * 60
WINDOW_DAYS = 7
_BUCKET = "fp-bench-scale-sort"


@dataclass(frozen=True)
class _Run:
    side: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    spill_peak_mb: float
    rows: int

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "wall_s": self.wall_s,
            "cpu_s": round(self.cpu_s, 1),
            "peak_rss_mb": self.peak_rss_mb,
            "spill_peak_mb": round(self.spill_peak_mb, 1),
            "rows": self.rows,
        }


class _FolderPeak:
    """Samples a folder's total size on a thread; `peak` is the largest size seen, in bytes."""

    def __init__(self, folder: Path, every_s: float = 0.5) -> None:
        self._folder = folder
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.peak = 0

    def _size(self) -> int:
        total = 0
        for path in self._folder.rglob("*"):
            try:
                total += path.stat().st_size if path.is_file() else 0
            except FileNotFoundError:
                continue  # a spill file removed between the listing and the stat
        return total

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            self.peak = max(self.peak, self._size())

    def __enter__(self) -> _FolderPeak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _child(side: str, root: PackRoot, spec: ScaleWorldSpec, fp_home: Path) -> _Run:
    spill = Path(tempfile.mkdtemp(prefix=f"fp-bench-scale-{side}-spill-"))
    argv = [
        sys.executable, "-m", "bench._sort_sides", side,
        "--root", root.uri, "--scenario", spec.scenario_id, "--output", spec.output_id,
        "--memory-mb", str(MEMORY_MB), "--fp-home", str(fp_home), "--temp-dir", str(spill),
        *(["--window-days", str(WINDOW_DAYS)] if side == "ours" else []),
    ]  # fmt: skip
    repo = Path(__file__).resolve().parent.parent
    try:
        with tempfile.TemporaryFile() as out, _FolderPeak(spill) as spill_peak:
            process = subprocess.Popen(argv, cwd=repo, stdout=out, stderr=None)
            _pid, status, usage = os.wait4(process.pid, 0)
            out.seek(0)
            text = out.read().decode()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{side} run failed ({os.waitstatus_to_exitcode(status)}): {text[-2000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    return _Run(side, result["wall_s"], cpu, result["peak_rss_mb"], spill_peak.peak / 1e6, result["rows"])


def _spec_from_env() -> ScaleWorldSpec:
    base = ScaleWorldSpec()
    rows = int(os.environ.get("FP_BENCH_SCALE_ROWS", base.rows))
    files = int(os.environ.get("FP_BENCH_SCALE_FILES", base.files))
    return ScaleWorldSpec(rows=rows, files=files)


def run(spec: ScaleWorldSpec | None = None, *, cache_root: Path | None = None) -> BenchResult:
    """Run the benchmark once, print every figure and the BENCH line."""
    spec = spec or _spec_from_env()
    full = spec.rows >= ScaleWorldSpec().rows
    print(
        f"bench scale-sort: {os.cpu_count()} cores, load average {os.getloadavg()}, "
        f"{spec.rows:,} rows in {spec.files} files{'' if full else ' (SMOKE RUN: not the engine size)'}",
        flush=True,
    )
    world = scale_world(spec, cache_root or Path(tempfile.gettempdir()))
    home = Path(tempfile.mkdtemp(prefix="fp-bench-scale-home-"))
    runs: list[_Run] = []
    try:
        up(home, kafka_storage="memory", die_with_parent=True)
        try:
            subs = substrates(home)
            open_s3_admin(subs.operator).create_bucket_if_absent(_BUCKET)
            store = open_object_store(subs.operator)
            root = PackRoot.parse(f"s3://{_BUCKET}/oracle-store/bench/{uuid.uuid4().hex}/")
            started = time.perf_counter()
            report = land_world(LocalFolderSource(world.root), store, root)
            print(
                f"landed {report.files} files, {report.bytes / 1e9:.2f} GB in {time.perf_counter() - started:.0f} s"
            )
            seal = seal_pack(store, root, spec.scenario_id, ArrowS3TailReader(subs.operator))
            if not seal.ok:
                raise RuntimeError(f"the scale world did not seal: {seal.first_code}")
            for side in ("bare", "ours"):
                runs.append(_child(side, root, spec, home))
                print(json.dumps(runs[-1].to_json()), flush=True)
        finally:
            down(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    bare, ours = runs
    ratio = ours.wall_s / bare.wall_s
    rss_limit = MEMORY_MB + RSS_HEADROOM_MB
    passed = (
        ratio <= TARGET and ours.wall_s <= GOAL_S and ours.peak_rss_mb <= rss_limit and bare.rows == ours.rows
    )
    print(
        f"{ours.rows:,} rows: bare {bare.wall_s:.0f} s (RSS {bare.peak_rss_mb:.0f} MB, spill "
        f"{bare.spill_peak_mb:.0f} MB), ours {ours.wall_s:.0f} s (RSS {ours.peak_rss_mb:.0f} MB, spill "
        f"{ours.spill_peak_mb:.0f} MB); goal ours ≤ {GOAL_S} s and RSS ≤ {rss_limit} MB"
    )
    figures = {"full_size": full, "spec": spec.__dict__, "runs": [r.to_json() for r in runs]}
    result = BenchResult(NAME, ratio, TARGET, passed, figures)
    print(result.line, flush=True)
    return result


if __name__ == "__main__":
    sys.exit(0 if run().passed else 1)
