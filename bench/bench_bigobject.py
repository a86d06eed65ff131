"""`bench/bigobject`: land and verify one 6 GiB object with the client's peak RSS under 512 MB.

Why: an engine output can be a single file larger than the machine's memory. Landing must stream it
(hash pass, then a multipart upload re-hashed on the way) and `fp oracle verify` must re-read it in
chunks, from a folder source and from an S3 source alike; memory must not grow with the object.

How it is measured (one process run; `make bench BENCH=bigobject`, ~10 minutes on 2 cores):
- a world of a valid `run_receipt.json` and one file `data/big.bin` of 6 GiB, written in 64 MiB
  writes of one random 64 MiB block repeated (fast to write; repetition is harmless here because
  nothing on the path deduplicates or compresses, and the SHA-256 still covers every byte's
  position), its SHA-256 computed as it is written, independently of the code under test;
- fresh local substrates in a temporary FP_HOME (`fraud_platform.substrate.local.up`, as the test
  fixture), operator credentials, one bucket; the world is also staged under an `s3://` prefix;
- four `fp` CLI subprocesses, each run to completion: `oracle land` from the folder, `oracle verify`
  of that landing against the folder, `oracle land` from the S3 prefix, `oracle verify` against it;
  each must exit 0, the landing manifest must hold the independent SHA-256, verify must report no
  problem and have re-read every byte on both sides;
- each subprocess's peak RSS is its `ru_maxrss` from `wait4`, taken through a bare-interpreter
  launcher (Linux carries the exec-ing address space's high-water mark into `ru_maxrss`, so a child
  exec'd straight from this process would report at least this process's own peak);
- afterwards the big file, the substrates (stopped by PID) and their data are deleted.

Verdict: ratio = (largest peak RSS of the four) / 512 MB; **ratio <= target 1.0 passes** (lower is
better, unlike the throughput benchmarks). The output ends with one line
`BENCH bigobject ratio=<r> target=1.0 PASS|FAIL`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import BenchResult
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates, down, substrates, up
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["BOUND_MB", "NAME", "TARGET", "run"]

NAME = "bigobject"
TARGET = 1.0
BOUND_MB = 512.0
_MIB = 1024 * 1024
_SIZE = 6 * 1024 * _MIB
_BLOCK = 64 * _MIB
_BUCKET = "fp-bench-bigobject"
_BIG = "data/big.bin"
_MANIFEST = "_oracle/landing_manifest.json"
_FP = str(Path(sys.executable).parent / "fp")
_LAUNCHER = """\
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(child.returncode)
"""


@dataclass(frozen=True)
class _Step:
    name: str
    seconds: float
    peak_rss_mb: float
    result: dict[str, Any]


def _write_world(folder: Path, size: int) -> str:
    """The world folder (receipt + one big file); returns the big file's SHA-256, hashed as written."""
    run_id = uuid.uuid4().hex
    receipt = {
        "run_id": run_id,
        "manifest_fingerprint": hashlib.sha256(run_id.encode()).hexdigest(),
        "parameter_hash": hashlib.sha256(b"bench-bigobject").hexdigest(),
        "seed": 7,
    }
    (folder / "data").mkdir(parents=True)
    (folder / "run_receipt.json").write_text(json.dumps(receipt, sort_keys=True))
    block = os.urandom(_BLOCK)
    digest = hashlib.sha256()
    with (folder / _BIG).open("wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def _stage(store: ObjectStore, world: Path, prefix: S3Location, big_sha256: str) -> None:
    """Copy the world under `prefix` (streamed, write-once): the S3 source."""
    for path in sorted(p for p in world.rglob("*") if p.is_file()):
        relative = path.relative_to(world).as_posix()
        digest = big_sha256 if relative == _BIG else hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open("rb") as stream:
            store.put_stream_if_absent(prefix.child(relative), stream, path.stat().st_size, sha256_hex=digest)


def _measured(name: str, argv: Sequence[str], env: dict[str, str], scratch: Path, size: int) -> _Step:
    """Run one `fp` command through the launcher: wall time, peak RSS (wait4), its final JSON line."""
    rss_file = scratch / f"rss-{name}.txt"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(rss_file), *argv],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    if done.returncode != 0 or not result.get("ok"):
        raise RuntimeError(f"{name} exited {done.returncode}: {done.stdout[-1500:]} {done.stderr[-1500:]}")
    step = _Step(name, seconds, int(rss_file.read_text()) / 1024, result)
    print(
        f"  {name:<14} {seconds:7.1f} s  {size / 1e6 / seconds:6.1f} MB/s  peak RSS {step.peak_rss_mb:6.1f} MB",
        flush=True,
    )
    return step


def _check(store: ObjectStore, dest: S3Location, land: _Step, verify: _Step, size: int, sha: str) -> None:
    """Every byte landed and re-read, and the manifest holds the independently computed SHA-256."""
    manifest = json.loads(store.get(dest.child(_MANIFEST)))
    entry = next(e for e in manifest["entries"] if e["path"] == _BIG)
    if (entry["size"], entry["sha256"]) != (size, sha) or land.result.get("uploaded_files") != 2:
        raise RuntimeError(f"{land.name}: manifest entry {entry} differs from {size} / {sha}")
    if verify.result.get("problems") != [] or verify.result.get("bytes_read", 0) < 2 * size:
        raise RuntimeError(f"{verify.name}: {verify.result}")


def _source_pair(
    subs: LocalSubstrates, kind: str, source: str, scratch: Path, size: int, sha: str
) -> list[_Step]:
    dest = S3Location(_BUCKET, f"roots/{kind}-{uuid.uuid4().hex}/")
    common = ["--source", source, "--source-profile", "local_parity", "--role", "operator", "--json"]
    land = _measured(
        f"land-{kind}", [_FP, "oracle", "land", "--dest", dest.uri, *common], subs.env, scratch, size
    )
    verify = _measured(
        f"verify-{kind}", [_FP, "oracle", "verify", "--root", dest.uri, *common], subs.env, scratch, size
    )
    _check(open_object_store(subs.operator), dest, land, verify, size, sha)
    return [land, verify]


def _measure(size: int, scratch: Path) -> list[_Step]:
    world = scratch / "world"
    started = time.perf_counter()
    sha = _write_world(world, size)
    print(f"world written in {time.perf_counter() - started:.1f} s: {size} bytes, sha256 {sha}", flush=True)
    fp_home = scratch / "fp_home"
    up(fp_home, kafka_storage="memory", die_with_parent=True)
    try:
        subs = substrates(fp_home)
        open_s3_admin(subs.operator).create_bucket_if_absent(_BUCKET)
        staged = S3Location(_BUCKET, "source/")
        started = time.perf_counter()
        _stage(open_object_store(subs.operator), world, staged, sha)
        print(f"staged under {staged.uri} in {time.perf_counter() - started:.1f} s", flush=True)
        steps = _source_pair(subs, "folder", str(world), scratch, size, sha)
        (world / _BIG).unlink()  # the folder side is done: free its disk before the S3 side
        steps += _source_pair(subs, "s3", staged.uri, scratch, size, sha)
    finally:
        down(fp_home)
    return steps


def run(size: int = _SIZE) -> BenchResult:
    """Run the benchmark (`size` exists for quick trials; the default is the benchmark) and print it."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"bench bigobject — {datetime.now(UTC).isoformat(timespec='seconds')}, {os.cpu_count()} cores, "
        f"load average {load}; one {size / 2**30:.2f} GiB object, bound {BOUND_MB:.0f} MB peak RSS",
        flush=True,
    )
    scratch = Path(tempfile.mkdtemp(prefix="fp-bench-bigobject-"))
    try:
        steps = _measure(size, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    peak = max(step.peak_rss_mb for step in steps)
    ratio = peak / BOUND_MB
    result = BenchResult(
        name=NAME,
        ratio=ratio,
        target=TARGET,
        passed=ratio <= TARGET,
        figures={
            "object_bytes": size,
            "peak_rss_mb": round(peak, 1),
            "steps": [
                {"step": s.name, "seconds": round(s.seconds, 1), "peak_rss_mb": round(s.peak_rss_mb, 1)}
                for s in steps
            ],
        },
    )
    print(f"largest peak RSS {peak:.1f} MB of {BOUND_MB:.0f} MB (ratio <= {TARGET} passes)", flush=True)
    print(result.line, flush=True)
    return result


if __name__ == "__main__":
    sys.exit(0 if run().passed else 1)
