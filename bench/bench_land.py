"""`bench/land`: `fp oracle land` against `aws s3 cp --recursive`, same world, same endpoint, one run.

Why this comparison: landing is a copy of a world into S3 that also hashes every byte, verifies the
destination and commits a manifest; the AWS CLI is the copy everybody already has. The target is to
be at least as fast (ratio >= 1.0) while doing the extra integrity work.

How it is measured (all in one process run, so both sides see the same machine load):
- a synthetic world of >= 1 GB from `fraud_platform.engine.synth`, cached under the system temp dir
  in a folder named by its arguments, so only the first run pays for its generation;
- fresh local substrates (`fraud_platform.substrate.local.up`, as the `local_substrates` fixture) in
  a temporary FP_HOME, operator credentials, one bucket; stopped by PID in a `finally`;
- both sides are CLI subprocesses (interpreter start-up counted on both): `aws s3 cp --recursive`
  with default AWS CLI settings and credentials in its environment only, and `fp oracle land
  --role operator`; every run writes to a fresh prefix of the same bucket, and each destination is
  listed afterwards to prove that every file and byte arrived;
- four rounds in alternating order (aws, fp / fp, aws / aws, fp / fp, aws), because this 2-core
  machine is shared and one run can be twice as slow as the next; each side's best wall time gives
  its throughput (medians are printed too).

The output ends with exactly one line `BENCH land ratio=<r> target=1.0 PASS|FAIL`.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import BenchResult
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates, down, status, substrates, up
from fraud_platform.substrate.local.seaweedfs import SEAWEEDFS
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Credentials, S3Location

__all__ = ["NAME", "TARGET", "LandMeasurement", "WorldSpec", "run"]

NAME = "land"
TARGET = 1.0
_BUCKET = "fp-bench-land"
_MB = 1_000_000
_SUBPROCESS_TIMEOUT_S = 1800.0
_LANDING_MANIFEST = "_oracle/landing_manifest.json"
_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class WorldSpec:
    """The synthetic world's arguments; they also name its cache folder.

    5,000,000 flows with 16 parts per output give ~1.21 GB in 234 files (the largest ~13 MB). The
    generation needs ~3 CPU-minutes and ~4.5 GB of memory, hence the cache.
    """

    seed: int = 7
    scenario_id: str = "bench_land"
    flows: int = 5_000_000
    files_per_output: int = 16
    days: int = 2

    @property
    def cache_name(self) -> str:
        return (
            f"world-seed{self.seed}-{self.scenario_id}-flows{self.flows}"
            f"-fpo{self.files_per_output}-days{self.days}"
        )


@dataclass(frozen=True)
class _World:
    root: Path
    engine_run_id: str
    files: int
    bytes: int
    cached: bool


@dataclass(frozen=True)
class _Timing:
    side: str
    round: int
    seconds: float
    nbytes: int
    detail: dict[str, Any]

    @property
    def mb_s(self) -> float:
        return self.nbytes / _MB / self.seconds


@dataclass(frozen=True)
class LandMeasurement:
    """Every timing of one benchmark run and the ratio of the best throughputs."""

    world_files: int
    world_bytes: int
    timings: tuple[_Timing, ...]

    def best(self, side: str) -> _Timing:
        return min((t for t in self.timings if t.side == side), key=lambda t: t.seconds)

    @property
    def ratio(self) -> float:
        return self.best("fp").mb_s / self.best("aws").mb_s

    def bench_result(self) -> BenchResult:
        """The runner's verdict, with every timing as figures."""
        return BenchResult(
            name=NAME,
            ratio=self.ratio,
            target=TARGET,
            passed=self.ratio >= TARGET,
            figures={
                "world_files": self.world_files,
                "world_bytes": self.world_bytes,
                "aws_best_mb_s": round(self.best("aws").mb_s, 1),
                "fp_best_mb_s": round(self.best("fp").mb_s, 1),
                "timings": [
                    {"side": t.side, "round": t.round, "seconds": round(t.seconds, 3), **t.detail}
                    for t in self.timings
                ],
            },
        )


def _tree_stats(root: Path) -> tuple[int, int]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def _cached_world(spec: WorldSpec, cache_root: Path) -> _World:
    """The world for `spec`, generated once; the marker `world.json` is written only when complete."""
    folder = cache_root / spec.cache_name
    marker = folder / "world.json"
    if marker.is_file():
        recorded = json.loads(marker.read_text())
        root = Path(recorded["path"])
        if root.is_dir() and _tree_stats(root) == (recorded["files"], recorded["bytes"]):
            return _World(root, recorded["engine_run_id"], recorded["files"], recorded["bytes"], True)
        print(f"cached world at {folder} does not match its marker: regenerating", flush=True)
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"synthesising the world ({spec.flows} flows) into {folder} …", flush=True)
    info = synthesize_world(
        folder, spec.seed, spec.scenario_id, spec.flows, spec.files_per_output, spec.days
    ).to_json()
    print(f"synthesised in {time.perf_counter() - started:.1f} s", flush=True)
    staged = marker.with_suffix(".tmp")
    staged.write_text(json.dumps(info, indent=2, sort_keys=True))
    staged.replace(marker)
    return _World(Path(info["path"]), info["engine_run_id"], info["files"], info["bytes"], False)


def _warm_page_cache(root: Path) -> None:
    """Read every file once, so that neither side is the one paying for cold disk reads."""
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb", buffering=0) as handle:
                while handle.read(8 * 1024 * 1024):
                    pass


def _prefix_stats(store: ObjectStore, bucket: str, prefix: str) -> tuple[int, int]:
    """(objects, bytes) under a prefix, the Oracle's landing manifest left out."""
    count = total = 0
    for info in store.list(S3Location(bucket, prefix)):
        if info.key[len(prefix) :] == _LANDING_MANIFEST:
            continue
        count += 1
        total += info.size
    return count, total


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc), e.g. the S3 server."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Ran:
    seconds: float
    client_cpu_s: float
    server_cpu_s: float
    done: subprocess.CompletedProcess[str]


def _run_timed(argv: Sequence[str], env: dict[str, str], server_pid: int) -> _Ran:
    """Run a command to completion: wall time, its CPU time and the S3 server's CPU time meanwhile."""
    cpu_before, server_before = _children_cpu_s(), _process_cpu_s(server_pid)
    started = time.perf_counter()
    done = subprocess.run(
        list(argv), env=env, capture_output=True, text=True, timeout=_SUBPROCESS_TIMEOUT_S, check=False
    )
    seconds = time.perf_counter() - started
    return _Ran(seconds, _children_cpu_s() - cpu_before, _process_cpu_s(server_pid) - server_before, done)


def _tail(text: str, lines: int = 5) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class _Sides:
    """Runs one side at a time into a fresh prefix and checks that every byte arrived."""

    def __init__(self, subs: LocalSubstrates, world: _World, scratch: Path) -> None:
        self._subs = subs
        self._world = world
        self._store = open_object_store(subs.operator)
        self._server_pid = next(p.pid for p in status(subs.fp_home).processes if p.name == SEAWEEDFS)
        empty = scratch / "empty-aws-file"
        empty.write_text("")
        # Neither side may pick up a user's ~/.aws settings: both get empty config files.
        self._common_env = {
            "HOME": str(scratch),
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
            "AWS_EC2_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }

    def aws(self, round_no: int) -> _Timing:
        prefix = f"aws-r{round_no}/"
        creds: S3Credentials = self._subs.operator
        env = {
            **self._common_env,
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "AWS_DEFAULT_REGION": creds.region,
        }
        argv = [
            str(_BIN / "aws"),
            "s3",
            "cp",
            "--recursive",
            "--only-show-errors",
            "--endpoint-url",
            self._subs.s3_endpoint,
            str(self._world.root),
            f"s3://{_BUCKET}/{prefix}",
        ]
        ran = _run_timed(argv, env, self._server_pid)
        if ran.done.returncode != 0:
            raise RuntimeError(f"aws s3 cp exited {ran.done.returncode}: {_tail(ran.done.stderr)}")
        return self._checked("aws", round_no, prefix, ran, {})

    def fp(self, round_no: int) -> _Timing:
        prefix = f"fp-r{round_no}/"
        env = {**self._common_env, **self._subs.env}
        argv = [
            str(_BIN / "fp"),
            "oracle",
            "land",
            "--source",
            str(self._world.root),
            "--dest",
            f"s3://{_BUCKET}/{prefix}",
            "--role",
            "operator",
            "--profile",
            "local_parity",
            "--json",
        ]
        ran = _run_timed(argv, env, self._server_pid)
        done = ran.done
        lines = done.stdout.strip().splitlines()
        report = json.loads(lines[-1]) if lines else {}
        if done.returncode != 0 or not report.get("ok"):
            raise RuntimeError(
                f"fp oracle land exited {done.returncode}: {_tail(done.stdout)} {_tail(done.stderr)}"
            )
        if report.get("uploaded_files") != self._world.files or report.get("manifest") != "created":
            raise RuntimeError(f"fp oracle land did not upload every file into a fresh prefix: {report}")
        detail = {"in_process_s": report["elapsed_s"], "workers": report["workers"]}
        return self._checked("fp", round_no, prefix, ran, detail)

    def _checked(self, side: str, round_no: int, prefix: str, ran: _Ran, detail: dict[str, Any]) -> _Timing:
        found = _prefix_stats(self._store, _BUCKET, prefix)
        if found != (self._world.files, self._world.bytes):
            raise RuntimeError(
                f"{side} round {round_no}: {found[0]} objects / {found[1]} bytes at {prefix}, "
                f"expected {self._world.files} / {self._world.bytes}"
            )
        detail = {
            "client_cpu_s": round(ran.client_cpu_s, 1),
            "server_cpu_s": round(ran.server_cpu_s, 1),
            **detail,
        }
        timing = _Timing(side, round_no, ran.seconds, self._world.bytes, detail)
        extra = "".join(f" {key}={value}" for key, value in detail.items())
        print(
            f"  round {round_no} {side:>3}: {ran.seconds:7.2f} s  {timing.mb_s:7.1f} MB/s{extra}", flush=True
        )
        return timing


def _measure(world: _World, rounds: int) -> LandMeasurement:
    scratch = Path(tempfile.mkdtemp(prefix="fp-bench-land-"))
    fp_home = scratch / "fp_home"
    try:
        up(fp_home, kafka_storage="memory", die_with_parent=True)
        try:
            subs = substrates(fp_home)
            open_s3_admin(subs.operator).create_bucket_if_absent(_BUCKET)
            sides = _Sides(subs, world, scratch)
            print(f"substrates up: S3 {subs.s3_endpoint}, bucket {_BUCKET}", flush=True)
            timings: list[_Timing] = []
            for round_no in range(1, rounds + 1):
                order = (sides.aws, sides.fp) if round_no % 2 else (sides.fp, sides.aws)
                for side in order:
                    timings.append(side(round_no))
        finally:
            down(fp_home)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return LandMeasurement(world.files, world.bytes, tuple(timings))


def _summary(result: LandMeasurement) -> None:
    for side, label in (("aws", "aws s3 cp --recursive"), ("fp", "fp oracle land")):
        runs = [t for t in result.timings if t.side == side]
        median = statistics.median(t.mb_s for t in runs)
        print(
            f"{label:>22}: best {result.best(side).mb_s:7.1f} MB/s, median {median:7.1f} MB/s "
            f"over {len(runs)} run(s)"
        )
    in_process = max(
        result.world_bytes / _MB / t.detail["in_process_s"] for t in result.timings if t.side == "fp"
    )
    print(f"{'(fp in-process only)':>22}: best {in_process:7.1f} MB/s (land_world's own clock, no start-up)")
    print(f"ratio (best fp / best aws) = {result.ratio:.3f}")


def run(spec: WorldSpec | None = None, *, rounds: int = 4, cache_root: Path | None = None) -> BenchResult:
    """Run the benchmark, print every timing and end with the BENCH line.

    `spec` and `rounds` exist for quick local trials; the defaults are the benchmark. Raises when a
    side fails or a destination misses a byte (the runner then prints a FAIL line).
    """
    spec = spec or WorldSpec()
    cache_root = cache_root or Path(tempfile.gettempdir()) / "fp-bench-land"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"bench land — {datetime.now(UTC).isoformat(timespec='seconds')}, {os.cpu_count()} cores, "
        f"load average {load}",
        flush=True,
    )
    world = _cached_world(spec, cache_root)
    print(
        f"world {world.engine_run_id}: {world.files} files, {world.bytes} bytes "
        f"({world.bytes / _MB:.1f} MB){' (cached)' if world.cached else ''} at {world.root}",
        flush=True,
    )
    print(
        "aws: awscli defaults (10 concurrent requests, 8 MiB multipart threshold/chunks, "
        "SigV4 SHA-256 payload signing on http://, CRC32 checksum header); "
        "fp: the profile's landing_workers, SHA-256 per file, per-object proof from each PUT's verified checksum + final LIST, manifest commit",
        flush=True,
    )
    _warm_page_cache(world.root)
    measurement = _measure(world, rounds)
    _summary(measurement)
    result = measurement.bench_result()
    print(result.line, flush=True)
    return result


if __name__ == "__main__":
    sys.exit(0 if run().passed else 1)
