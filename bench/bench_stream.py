"""Stream benchmark: events per second end to end (WSP → IG → Kafka) against the broker's raw produce rate.

Fresh substrates (SeaweedFS + tansu with in-memory storage, as the test fixture runs them;
`run(kafka_storage="s3")` for the storage `fp substrate up` uses) in a temporary FP_HOME, stopped by
PID at the end. A synthetic world (`FLOWS` flows, both traffic outputs, about 7 events per flow:
~70,000 events, 20-30 s of streaming at the 2,500-3,500 events/s measured on this machine) is landed,
sealed and sorted, and SR publishes READY for its two traffic
views. Then, with every component a separate process as in production:

- `fp ig serve --workers 2` (IG's scale-out: two processes sharing the port and the dedupe state;
  `FP_BENCH_IG_WORKERS=1` for one) on a free loopback port, ready when `/readyz` answers 200;
- WSP (`bench/_stream_wsp.py`: `fp wsp consume --once` plus a timing HTTP transport) streams every row
  in batches of `BATCH` events: auth, admission, batched dedupe, receipts, publish with delivery
  confirmation. The end-to-end rate is the admitted events over WSP's streaming span (first POST to
  last 200). Batch admission latency is measured on WSP's side: POST start to 200 body read;
- an independent consumer (fresh group, earliest, no watermarks) reads the run's records back: the
  bench fails unless every event is on its topic exactly once;
- the raw rate: as many records as were admitted, with the same average key and value sizes and the
  same headers, produced to a bench topic with as many partitions as the traffic topics, through the
  platform's bus port (`factory.open_producer`: confluent-kafka, idempotent, `acks=all`,
  `produce_batch` in chunks, every delivery confirmed), and with confluent-kafka straight to the
  topic (the same producer configuration, one flush at the end), each timed from the first produce to
  the last acknowledgement. The ratio is end to end over the faster of the two (the stricter figure).

Roles: every role uses the operator's S3 keys here (no per-role posture on the bench's fresh
substrates); IG's auth still runs (the `wsp` principal's HMAC token from `issue_service_tokens`).
Peak RSS: WSP's own `ru_maxrss`, IG's `VmHWM` summed over its process tree (parent and workers) read from
/proc just before it is stopped. CPU seconds per process over the streaming (the steadier figure on a
shared machine, where the ratio moves with the load): IG's tree from /proc (user + system) from `/readyz`
answering to the end, so its start-up is not counted, and also per admitted event; each substrate's from /proc from just before IG starts;
WSP's own `getrusage` (its whole process).

Run: `make bench BENCH=stream`. Output ends with `BENCH stream ratio=<e2e/raw> target=0.04 PASS|FAIL`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Producer

from bench import BenchResult
from fraud_platform.bootstrap.service_tokens import issue_service_tokens
from fraud_platform.config import KafkaSettings, Profile, kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.envelope import ROUTES
from fraud_platform.eb.topics import TOPICS
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.sr import RunRequest, SrRuntime
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus._config import producer_config
from fraud_platform.substrate.bus.port import OutboundRecord, TopicSpec
from fraud_platform.substrate.local import LocalSubstrates, down, substrates, up

__all__ = ["run"]

NAME = "stream"
TARGET_RATIO = 0.04
SCENARIO = "baseline_v1"
FLOWS = 10_000
BATCH = 500
# IG server processes behind the one port (`fp ig serve --workers K`); FP_BENCH_IG_WORKERS overrides.
IG_WORKERS = int(os.environ.get("FP_BENCH_IG_WORKERS", "2"))
KAFKA_STORAGE = "memory"
OUTPUTS = ("s2_event_stream_baseline_6B", "s3_event_stream_with_fraud_6B")
ROLES = ("operator", "oracle_lander", "oracle_sorter", "sr", "wsp", "ig", "reporter", "auditor")
RAW_TOPIC = "fp.bench.raw.v1"
RAW_CHUNK = 10_000
_REPO = Path(__file__).resolve().parents[1]
_FP = str(Path(sys.executable).with_name("fp"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _operator_for_every_role(home: Path, env: LocalSubstrates) -> None:
    keys = {"access_key_id": env.operator.access_key_id, "secret_access_key": env.operator.secret_access_key}
    (home / "credentials" / "roles.json").write_text(json.dumps(dict.fromkeys(ROLES, keys)))
    (home / "credentials" / "roles.json").chmod(0o600)
    issue_service_tokens(home)


def _build_ready(
    profile: Profile, env: LocalSubstrates, work: Path, flows: int
) -> tuple[str, dict[str, Any]]:
    """synth → land → seal → sort → SR READY for the two traffic views; (platform_run_id, figures)."""
    store = factory.open_object_store(env.operator)
    figures: dict[str, Any] = {"flows": flows}
    started = time.monotonic()
    world = synthesize_world(work / "world", 11, SCENARIO, flows)
    figures["traffic_rows"] = sum(world.rows[output] for output in OUTPUTS)
    root = PackRoot.parse(
        f"s3://{profile.object_store.object_store_bucket}/oracle-store/bench/{world.engine_run_id}/"
    )
    land_world(LocalFolderSource(world.root), store, root)
    if not seal_pack(store, root, SCENARIO, ArrowS3TailReader(env.operator)).ok:
        raise RuntimeError("seal failed")
    sort_stream_views(store, env.operator, root, SCENARIO)
    figures["build_s"] = round(time.monotonic() - started, 1)
    document = raw_profile("local_parity")
    document["oracle"] = {**document["oracle"], "engine_run_root": root.uri, "scenario_id": SCENARIO}
    sr_profile = profile_from_document(document, name="local_parity", env=env.env, fp_home=env.fp_home)
    run_id = mint_run(
        store, profile.object_store.evidence_bucket, sr_profile, clock=SystemClock(), git_revision=None
    ).platform_run_id
    with SrRuntime.open(sr_profile, role="operator") as sr:
        outcome = sr.submit(RunRequest(run_id, f"bench-stream-{uuid.uuid4().hex}", outputs=OUTPUTS))
    if not outcome.ok or outcome.message_id is None:
        raise RuntimeError(f"SR did not publish READY: {outcome.to_json()}")
    return run_id, figures


def _await_ready(process: subprocess.Popen[bytes], url: str, log: Path, deadline_s: float = 60.0) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"fp ig serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"IG not ready within {deadline_s:.0f}s: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def _process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (IG's workers with `--workers K`), from /proc's children lists."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            pending.extend(int(child) for child in (task / "children").read_text().split())
    return tree


def _peak_rss_kib(pid: int) -> int:
    """VmHWM of a live process (Linux), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for pid {pid}")


def _tree_peak_rss_kib(pid: int) -> int:
    """The sum of the process tree's VmHWM (an upper bound of its peak: the peaks need not coincide)."""
    return sum(_peak_rss_kib(member) for member in _process_tree(pid))


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of the whole live process tree (the parent and every IG worker)."""
    return sum(_cpu_s(member) for member in _process_tree(pid))


def _publish_seconds(url: str) -> float:
    """IG's own `ig_publish_latency_seconds_sum`: time spent publishing (produce to every ack)."""
    for line in httpx.get(f"{url}/metrics", timeout=5.0).text.splitlines():
        if line.startswith("ig_publish_latency_seconds_sum"):
            return float(line.split()[-1])
    raise RuntimeError("IG's /metrics has no ig_publish_latency_seconds_sum")


def _stream(
    env: dict[str, str], port: int, run_id: str, batch: int, work: Path, substrate_pids: dict[str, int]
) -> dict[str, Any]:
    """IG up (by PID), WSP child to completion, IG's peak RSS and CPU, IG stopped; WSP's JSON + IG's figures."""
    log = work / "ig.log"
    substrate_cpu = {name: _cpu_s(pid) for name, pid in substrate_pids.items()}
    with log.open("wb") as sink:
        ig = subprocess.Popen(
            [_FP, "ig", "serve", "--port", str(port), "--workers", str(IG_WORKERS)],
            env=env,
            stdout=sink,
            stderr=sink,
        )
    try:
        _await_ready(ig, f"http://127.0.0.1:{port}", log)
        ig_cpu_ready = _tree_cpu_s(ig.pid)
        wsp = subprocess.run(
            [sys.executable, "-m", "bench._stream_wsp", run_id, str(batch)],
            env=env,
            cwd=_REPO,
            capture_output=True,
            timeout=900,
            check=False,
        )
        if wsp.returncode != 0:
            raise RuntimeError(
                f"WSP failed ({wsp.returncode}): {wsp.stdout[-2000:]!r} {wsp.stderr[-2000:]!r}"
            )
        result: dict[str, Any] = json.loads(wsp.stdout.decode().strip().splitlines()[-1])
        result["ig_peak_rss_kib"] = _tree_peak_rss_kib(ig.pid)
        result["ig_cpu_s"] = _tree_cpu_s(ig.pid) - ig_cpu_ready
        result["substrate_cpu_s"] = {
            name: _cpu_s(pid) - substrate_cpu[name] for name, pid in substrate_pids.items()
        }
        # Each worker keeps its own metrics, and /metrics answers from whichever worker accepts.
        result["ig_publish_s"] = _publish_seconds(f"http://127.0.0.1:{port}") if IG_WORKERS == 1 else None
    finally:
        if ig.poll() is None:
            ig.send_signal(signal.SIGTERM)
            try:
                ig.wait(15)
            except subprocess.TimeoutExpired:
                ig.kill()
                ig.wait(15)
    return result


def _read_back(profile: Profile, run_id: str, expected: int, deadline_s: float = 120.0) -> dict[str, Any]:
    """Every record of the run on the traffic topics, by an independent consumer: counts and sizes."""
    topics = sorted({ROUTES[output].topic for output in OUTPUTS})
    consumer = factory.open_consumer(kafka_settings(profile, "operator"), f"bench-{uuid.uuid4().hex}", topics)
    ids: set[str] = set()
    records = value_bytes = key_bytes = 0
    headers: dict[str, bytes] = {}
    try:
        deadline = time.monotonic() + deadline_s
        idle_since = time.monotonic()
        while time.monotonic() < deadline and (records < expected or time.monotonic() - idle_since < 2.0):
            message = consumer.poll(0.25)
            if message is None or message.headers.get("platform_run_id", b"").decode() != run_id:
                continue
            idle_since = time.monotonic()
            records += 1
            ids.add(message.headers.get("event_id", b"").decode())
            value_bytes += len(message.value)
            key_bytes += len(message.key or b"")
            headers = dict(message.headers)
    finally:
        consumer.close()
    return {
        "records": records,
        "distinct": len(ids),
        "value_bytes": value_bytes // max(records, 1),
        "key_bytes": key_bytes // max(records, 1),
        "headers": headers,
    }


def _raw_records(
    count: int, value_bytes: int, key_bytes: int, headers: dict[str, bytes]
) -> list[OutboundRecord]:
    value = b"x" * value_bytes
    return [
        OutboundRecord(RAW_TOPIC, value, str(index).rjust(key_bytes, "0").encode()[-key_bytes:], headers)
        for index in range(count)
    ]


def _raw_port_rate(settings: KafkaSettings, records: list[OutboundRecord]) -> float:
    """Records per second through the bus port IG publishes with (`produce_batch`, chunks of RAW_CHUNK)."""
    producer = factory.open_producer(settings)
    try:
        producer.produce_batch(records[:1])  # connection and producer id outside the timed span
        started = time.monotonic()
        for first in range(0, len(records), RAW_CHUNK):
            producer.produce_batch(records[first : first + RAW_CHUNK])
        elapsed = time.monotonic() - started
    finally:
        producer.close()
    return len(records) / elapsed


def _raw_direct_rate(settings: KafkaSettings, records: list[OutboundRecord]) -> float:
    """Records per second with confluent-kafka straight to the topic: the port's producer configuration
    (idempotent, acks=all), every record produced then one flush; fails unless every delivery succeeded."""
    producer = Producer(producer_config(settings, delivery_timeout_s=60.0))
    failed: list[object] = []

    def report(error: object, _message: object) -> None:
        if error is not None:
            failed.append(error)

    producer.produce(RAW_TOPIC, value=records[0].value, key=records[0].key, on_delivery=report)
    producer.flush(30)
    started = time.monotonic()
    for record in records:
        while True:
            try:
                producer.produce(
                    RAW_TOPIC,
                    value=record.value,
                    key=record.key,
                    headers=dict(record.headers),
                    on_delivery=report,
                )
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    remaining = producer.flush(120)
    elapsed = time.monotonic() - started
    if remaining or failed:
        raise RuntimeError(f"raw produce: {remaining} undelivered, {len(failed)} failed ({failed[:1]})")
    return len(records) / elapsed


def _raw_rates(
    profile: Profile, count: int, value_bytes: int, key_bytes: int, headers: dict[str, bytes]
) -> dict[str, float]:
    traffic = next(spec for spec in TOPICS if spec.name == ROUTES[OUTPUTS[0]].topic)
    settings = kafka_settings(profile, "operator")
    factory.open_admin(settings).ensure_topics(
        [TopicSpec(RAW_TOPIC, traffic.partitions, traffic.retention_ms)]
    )
    records = _raw_records(count, value_bytes, key_bytes, headers)
    return {"direct": _raw_direct_rate(settings, records), "port": _raw_port_rate(settings, records)}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _bench(
    home: Path, work: Path, flows: int, batch: int, storage: str, substrate_pids: dict[str, int]
) -> BenchResult:
    env = substrates(home)
    _operator_for_every_role(home, env)
    port = _free_port()
    child_env = {**env.env, "FP_LOCAL_IG_PORT": str(port)}
    document = raw_profile("local_parity")
    profile = profile_from_document(document, name="local_parity", env=child_env, fp_home=home)
    admin = factory.open_s3_admin(env.operator)
    for bucket in (profile.object_store.object_store_bucket, profile.object_store.evidence_bucket):
        admin.create_bucket_if_absent(bucket)
    factory.open_admin(kafka_settings(profile, "operator")).ensure_topics(TOPICS)
    run_id, figures = _build_ready(profile, env, work, flows)
    streamed = _stream(child_env, port, run_id, batch, work, substrate_pids)
    outputs: dict[str, dict[str, int]] = streamed["outputs"]
    admitted = sum(counts["admitted"] for counts in outputs.values())
    sent = sum(counts["sent"] for counts in outputs.values())
    back = _read_back(profile, run_id, admitted)
    exact = back["records"] == back["distinct"] == admitted == sent == figures["traffic_rows"]
    raws = _raw_rates(profile, admitted, back["value_bytes"], back["key_bytes"], back["headers"])
    raw = max(raws.values())
    e2e = admitted / streamed["stream_span_s"]
    latencies = streamed["latencies_s"]
    figures.update(
        {
            "batch_size": batch,
            "kafka_storage": storage,
            "sent": sent,
            "admitted": admitted,
            "on_topics": back["records"],
            "distinct_on_topics": back["distinct"],
            "exactly_once": exact,
            "value_bytes": back["value_bytes"],
            "key_bytes": back["key_bytes"],
            "stream_span_s": round(streamed["stream_span_s"], 2),
            "e2e_events_per_s": round(e2e),
            "raw_produce_per_s": round(raw),
            "raw_direct_confluent_per_s": round(raws["direct"]),
            "raw_bus_port_per_s": round(raws["port"]),
            "batches": len(latencies),
            "batch_latency_p50_ms": round(1000 * _percentile(latencies, 0.50), 1),
            "batch_latency_p95_ms": round(1000 * _percentile(latencies, 0.95), 1),
            "batch_latency_p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
            "batch_latency_mean_ms": round(1000 * statistics.fmean(latencies), 1),
            "non_200_answers": streamed["non_200"],
            "ig_workers": IG_WORKERS,
            "ig_publish_share_of_batch_latency": (
                None
                if streamed["ig_publish_s"] is None
                else round(streamed["ig_publish_s"] / sum(latencies), 3)
            ),
            "wsp_peak_rss_mib": round(streamed["peak_rss_kib"] / 1024, 1),
            "ig_peak_rss_mib": round(streamed["ig_peak_rss_kib"] / 1024, 1),
            "ig_cpu_s": round(streamed["ig_cpu_s"], 1),
            "ig_cpu_us_per_event": round(1e6 * streamed["ig_cpu_s"] / max(admitted, 1)),
            "wsp_cpu_s": round(streamed["cpu_s"], 1),
            **{
                f"{name}_cpu_s": round(seconds, 1)
                for name, seconds in sorted(streamed["substrate_cpu_s"].items())
            },
        }
    )
    ratio = e2e / raw
    print(json.dumps(figures, sort_keys=True), flush=True)
    print(
        f"raw produce {raw:,.0f} msg/s (confluent-kafka direct {raws['direct']:,.0f}, bus port "
        f"{raws['port']:,.0f}; {back['value_bytes']} B values); end to end {e2e:,.0f} events/s "
        f"({admitted:,} events in {streamed['stream_span_s']:.1f}s); batch admission p50/p95/p99 "
        f"{figures['batch_latency_p50_ms']}/{figures['batch_latency_p95_ms']}/{figures['batch_latency_p99_ms']} ms; "
        f"peak RSS WSP {figures['wsp_peak_rss_mib']} MiB, IG ({IG_WORKERS} worker(s)) {figures['ig_peak_rss_mib']} MiB; "
        f"CPU s IG {figures['ig_cpu_s']} ({figures['ig_cpu_us_per_event']} µs/event), WSP {figures['wsp_cpu_s']}, "
        + ", ".join(
            f"{name} {round(seconds, 1)}" for name, seconds in sorted(streamed["substrate_cpu_s"].items())
        )
        + f"; exactly once on the topics: {exact}",
        flush=True,
    )
    result = BenchResult(NAME, ratio, TARGET_RATIO, exact and ratio >= TARGET_RATIO, figures)
    print(result.line, flush=True)
    return result


def run(flows: int = FLOWS, batch: int = BATCH, kafka_storage: str = KAFKA_STORAGE) -> BenchResult:
    """Run the benchmark on fresh substrates in a temporary FP_HOME (stopped by PID however it ends)."""
    with tempfile.TemporaryDirectory(prefix="fp-bench-stream-") as scratch:
        home = Path(scratch) / "fp_home"
        started = up(home, kafka_storage=kafka_storage, die_with_parent=True)
        pids = {name: record.pid for name, record in started.state.processes.items()}
        try:
            return _bench(home, Path(scratch), flows, batch, kafka_storage, pids)
        finally:
            down(home)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else FLOWS)
