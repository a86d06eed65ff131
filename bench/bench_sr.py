"""SR benchmark: time from `submit` to READY delivered on Kafka, for a small and a large world.

Both worlds are real engine-format worlds from the synthetic generator with the same layout
(`files_per_output=86`, ~1,000 files each) and differ only in data volume: ~100,000 rows vs ~10M
rows. Each is landed, sealed and sorted through the Oracle APIs on local substrates the bench starts
in its own FP_HOME (`FP_HOME/bench/sr`, stopped by PID at the end), so SR reads exactly what it
reads in production: seal, pack manifest, landing manifest (1,000 entries), run receipt, gate
bundles, closure receipts and a HEAD per view part. Evaluation must not grow with data size:
target large/small ≤ 1.2, and the large world's median ≤ 2 s.

Building the 10M-row pack takes minutes (mostly the sort), so the packs stay in the bench's FP_HOME
and a later run reuses a pack only after the Oracle consumer check passes on it again; the build
figures printed are those measured when the pack was built (`pack_reused_from_an_earlier_bench_run`).

The timed span is `SrRuntime.submit` on a fresh platform run and key: registry, lease, ledger
writes, the Oracle consumer check, facts view, status, governance facts, and the READY produce,
which returns only after the broker acknowledged it (delivery confirmed). Every READY is then read
back by an independent consumer (fresh group, earliest), outside the timed span.

Run: `.venv/bin/python -m bench.bench_sr` (or through the bench runner). Output ends with
`BENCH sr ratio=<r> target=1.2 PASS|FAIL`.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import BenchResult
from fraud_platform.config import Profile, fp_home, kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.canonical import digest_of
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.topics import CONTROL_TOPIC, TOPICS
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, PackRoot, check_pack, land_world, seal_pack
from fraud_platform.oracle.manifest import LandingManifest
from fraud_platform.oracle.pack import PackManifest, SealRecord
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.oracle.sort.closure.receipt import StreamSortReceipt, StreamViewManifest
from fraud_platform.sr import RunRequest, SrRuntime
from fraud_platform.substrate import factory, telemetry
from fraud_platform.substrate.local import LocalSubstrates, down, substrates, up
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["run"]

NAME = "sr"
TARGET_RATIO = 1.2
TARGET_SECONDS = 2.0
SCENARIO = "baseline_v1"
FILES_PER_OUTPUT = 86
WORLDS = {"small": 5_720, "large": 572_000}  # flows: ~100k rows and ~10M rows
REPEATS = 7


@dataclass
class WorldTiming:
    """What building one world cost, and SR's submit→READY times on it."""

    name: str
    flows: int
    files: int = 0
    rows: int = 0
    bytes: int = 0
    synth_s: float = 0.0
    land_s: float = 0.0
    seal_s: float = 0.0
    sort_s: float = 0.0
    view_parts: int = 0
    root: str = ""
    cached: bool = False
    submit_s: list[float] = field(default_factory=list)
    s3_requests_per_submit: int = 0

    @property
    def median_s(self) -> float:
        return statistics.median(self.submit_s) if self.submit_s else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "world": self.name,
            "flows": self.flows,
            "files": self.files,
            "rows": self.rows,
            "bytes": self.bytes,
            "synth_s": round(self.synth_s, 2),
            "land_s": round(self.land_s, 2),
            "seal_s": round(self.seal_s, 2),
            "sort_s": round(self.sort_s, 2),
            "view_parts": self.view_parts,
            "root": self.root,
            "pack_reused_from_an_earlier_bench_run": self.cached,
            "submit_to_ready_s": [round(value, 3) for value in self.submit_s],
            "median_s": round(self.median_s, 3),
            "s3_requests_per_submit": self.s3_requests_per_submit,
        }


def _profile(env: LocalSubstrates, root: str) -> Profile:
    document = raw_profile("local_parity")
    document["oracle"] = {**document["oracle"], "engine_run_root": root, "scenario_id": SCENARIO}
    return profile_from_document(document, name="local_parity", env=env.env, fp_home=env.fp_home)


def _build(
    name: str, flows: int, work: Path, env: LocalSubstrates, store: ObjectStore, bucket: str
) -> tuple[WorldTiming, str]:
    timing = WorldTiming(name, flows)
    started = time.monotonic()
    world = synthesize_world(work / name, 7, SCENARIO, flows, files_per_output=FILES_PER_OUTPUT)
    timing.synth_s = time.monotonic() - started
    timing.files, timing.rows, timing.bytes = world.files, sum(world.rows.values()), world.bytes
    root = PackRoot.parse(f"s3://{bucket}/oracle-store/local_parity/{world.engine_run_id}/")
    started = time.monotonic()
    land_world(LocalFolderSource(world.root), store, root)
    timing.land_s = time.monotonic() - started
    started = time.monotonic()
    report = seal_pack(store, root, SCENARIO, ArrowS3TailReader(env.operator))
    timing.seal_s = time.monotonic() - started
    if not report.ok:
        raise RuntimeError(f"seal failed: {report.to_json()}")
    started = time.monotonic()
    views = sort_stream_views(store, env.operator, root, SCENARIO)
    timing.sort_s = time.monotonic() - started
    timing.view_parts = sum(view.parts for view in views)
    timing.root = root.uri
    return timing, root.uri


_BUILD_FIELDS = ("files", "rows", "bytes", "synth_s", "land_s", "seal_s", "sort_s", "view_parts", "root")


def _cached_or_built(
    name: str, flows: int, index_path: Path, env: LocalSubstrates, store: ObjectStore, bucket: str
) -> tuple[WorldTiming, str]:
    """Reuse a pack an earlier bench run built on these substrates if the consumer check still passes.

    The 10M-row pack costs minutes to sort; it lives on in the bench's own FP_HOME between runs. A
    reused pack is exactly what the pipeline built (and the check proves it is intact): nothing SR
    reads is skipped or synthesised. Its build figures are those measured when it was built.
    """
    index: dict[str, Any] = json.loads(index_path.read_text()) if index_path.exists() else {}
    entry = index.get(name)
    if (
        entry is not None
        and entry.get("flows") == flows
        and check_pack(store, PackRoot.parse(entry["root"]), SCENARIO).ok
    ):
        timing = WorldTiming(name, flows, cached=True)
        for key in _BUILD_FIELDS:
            setattr(timing, key, entry[key])
        return timing, timing.root
    with tempfile.TemporaryDirectory(prefix=f"fp-bench-sr-{name}-") as scratch:
        timing, root = _build(name, flows, Path(scratch), env, store, bucket)
    index[name] = {"flows": flows, **{key: getattr(timing, key) for key in _BUILD_FIELDS}}
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return timing, root


def _timed_submit(sr: SrRuntime, store: ObjectStore, timing: WorldTiming) -> tuple[str, str, float]:
    """One submit on a fresh platform run and key; (platform_run_id, message_id, seconds)."""
    profile = sr.profile
    platform_run_id = mint_run(
        store, profile.object_store.evidence_bucket, profile, clock=SystemClock(), git_revision=None
    ).platform_run_id
    request = RunRequest(platform_run_id, f"bench-{timing.name}-{uuid.uuid4().hex}")
    before = telemetry.snapshot()["totals"]["s3_requests"]
    started = time.monotonic()
    outcome = sr.submit(request)
    elapsed = time.monotonic() - started
    if not outcome.ok or outcome.message_id is None:
        raise RuntimeError(f"submit did not reach a delivered READY: {outcome.to_json()}")
    timing.s3_requests_per_submit = telemetry.snapshot()["totals"]["s3_requests"] - before
    return platform_run_id, outcome.message_id, elapsed


def _measure(runtimes: list[tuple[SrRuntime, WorldTiming]], store: ObjectStore, repeats: int) -> list[str]:
    """Warm-up once per world, then `repeats` rounds, the worlds interleaved within each round so that
    background load on a shared machine falls on both alike. Returns every timed READY message id."""
    published: list[str] = []
    for round_index in range(repeats + 1):
        for sr, timing in runtimes:
            _run_id, message_id, elapsed = _timed_submit(sr, store, timing)
            if round_index > 0:
                timing.submit_s.append(elapsed)
                published.append(message_id)
    return published


def _read_back(profile: Profile, expected: list[str], deadline_s: float = 60.0) -> None:
    """An independent consumer (fresh group, earliest) must see every READY that was timed."""
    consumer = factory.open_consumer(
        kafka_settings(profile, "operator"), f"bench-sr-{uuid.uuid4().hex}", [CONTROL_TOPIC]
    )
    missing = set(expected)
    try:
        deadline = time.monotonic() + deadline_s
        while missing and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None:
                missing.discard(message.headers.get("message_id", b"").decode("ascii"))
    finally:
        consumer.close()
    if missing:
        raise RuntimeError(f"{len(missing)} READY message(s) not read back from {CONTROL_TOPIC}")


def _pack_contract_version() -> str:
    """A short digest of the pack's object contracts: cached packs built to another contract are
    never reused (their receipts would not parse) — a contract change starts a fresh bench home."""
    models = (LandingManifest, PackManifest, SealRecord, StreamViewManifest, StreamSortReceipt)
    return digest_of([model.model_json_schema() for model in models])["hex"][:12]


def run(worlds: dict[str, int] | None = None, repeats: int = REPEATS) -> BenchResult:
    """Run the benchmark on fresh local substrates; print the figures and the BENCH line.

    `worlds` (name → flows, small first) and `repeats` exist for quick local trials; the defaults are
    the benchmark.
    """
    home = fp_home() / "bench" / f"sr-{_pack_contract_version()}"  # its packs outlive one run
    home.mkdir(parents=True, exist_ok=True)
    up(home, kafka_storage="memory", die_with_parent=True)
    try:
        env = substrates(home)
        base = _profile(env, f"s3://fp-object-store/oracle-store/local_parity/{'0' * 32}/")
        admin = factory.open_s3_admin(env.operator)
        for bucket in (base.object_store.object_store_bucket, base.object_store.evidence_bucket):
            admin.create_bucket_if_absent(bucket)
        factory.open_admin(kafka_settings(base, "operator")).ensure_topics(TOPICS)
        store = factory.open_object_store(env.operator)
        bucket = base.object_store.object_store_bucket
        built = [
            _cached_or_built(name, flows, home / "bench_sr_packs.json", env, store, bucket)
            for name, flows in (worlds or WORLDS).items()
        ]
        timings = [timing for timing, _root in built]
        runtimes = [SrRuntime.open(_profile(env, root), role="operator") for _timing, root in built]
        try:
            published = _measure(list(zip(runtimes, timings, strict=True)), store, repeats)
            _read_back(base, published)
        finally:
            for runtime in runtimes:
                runtime.close()
        for timing in timings:
            print(json.dumps(timing.to_json(), sort_keys=True), flush=True)
    finally:
        down(home)
    small, large = timings
    ratio = large.median_s / small.median_s
    result = BenchResult(
        name=NAME,
        ratio=ratio,
        target=TARGET_RATIO,
        passed=ratio <= TARGET_RATIO and large.median_s <= TARGET_SECONDS,
        figures={
            "target_seconds": TARGET_SECONDS,
            "small_median_s": round(small.median_s, 3),
            "large_median_s": round(large.median_s, 3),
            "worlds": [timing.to_json() for timing in timings],
        },
    )
    print(
        f"SR submit→READY delivered: small {small.median_s:.3f}s ({small.rows:,} rows, {small.files} files), "
        f"large {large.median_s:.3f}s ({large.rows:,} rows, {large.files} files); "
        f"both must be flat (≤ {TARGET_RATIO}x) and ≤ {TARGET_SECONDS}s"
    )
    print(result.line, flush=True)
    return result


if __name__ == "__main__":
    run()
