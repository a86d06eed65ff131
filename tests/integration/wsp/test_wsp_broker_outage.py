"""The broker stopped in the middle of a stream: IG answers 503 with Retry-After, WSP retries, and once
the broker is back every event is on its topic exactly once.

It runs on a substrate instance of its own (`local_substrates_s3`: tansu stores its log on
SeaweedFS), so tansu can be stopped by its PID and started again on the same port with its data,
without disturbing the other tests. IG sleeps before each publish (the `before_publish` test hook),
which paces the stream so the outage falls while WSP still has batches to send. The broker is
stopped at a moment the test chose, not one it guessed: a hold file keeps every IG handler at
`before_publish` and IG's `ig_publishes_in_flight` gauge must read 0 first. That matters because
tansu forgets the idempotent producer's sequences across a restart, so a produce request in flight
when it stops can be appended twice by librdkafka's retry (Kafka keeps those sequences in its log
and dedupes the retry). The batches IG holds when the broker goes have their events claimed
IN_FLIGHT: once the hold is lifted they fail with 503, and WSP's retry publishes them, once.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from ig_process import serving_ig
from wsp_support import OUTPUTS, build_pack, profile_document

from fraud_platform.bootstrap.service_tokens import issue_service_tokens
from fraud_platform.config import kafka_settings, load_profile, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.envelope import ROUTES, event_id_for
from fraud_platform.eb.topics import TOPICS
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.sr import RunRequest, SrRuntime
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate import factory
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.local.credentials import operator_credentials
from fraud_platform.substrate.local.process import stop_process
from fraud_platform.substrate.local.state_file import ProcessRecord, SubstratePaths, read_state, write_state
from fraud_platform.substrate.local.tansu import TANSU, probe_kafka, start_tansu
from fraud_platform.substrate.objectstore.port import S3Location
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.wsp.state import WspState

pytestmark = pytest.mark.integration

FP = str(Path(sys.executable).with_name("fp"))
CAP = 30
BATCH = 5
PAUSE_S = 1.0  # IG's sleep before each publish: the 6 batches of an output take 6 s or more


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop_tansu(fp_home: Path) -> None:
    paths = SubstratePaths(fp_home)
    state = read_state(paths)
    assert state is not None
    record = state.processes[TANSU]
    assert stop_process(record.pid, record.executable, term_timeout_s=1.0, clock=SystemClock())
    write_state(paths, replace(state, processes={k: v for k, v in state.processes.items() if k != TANSU}))


def _start_tansu(fp_home: Path, port: int) -> None:
    """tansu again on the same port and the same S3 storage; recorded so the fixture's `down` stops it."""
    paths = SubstratePaths(fp_home)
    state = read_state(paths)
    assert state is not None and state.kafka_storage == "s3"

    def record(process: ProcessRecord) -> None:
        write_state(paths, replace(state, processes={**state.processes, TANSU: process}))

    start_tansu(
        paths,
        port,
        "s3",
        operator_credentials(paths, state.s3_endpoint),
        clock=SystemClock(),
        die_with_parent=True,
        on_spawn=record,
    )


@pytest.fixture
def outage_site(local_substrates_s3: LocalSubstrates, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A READY run on the dedicated substrates, and an IG (pacing its publishes) serving them."""
    subs = local_substrates_s3
    shipped = raw_profile("local_parity")["object_store"]
    admin = factory.open_s3_admin(subs.operator)
    for bucket in (shipped["object_store_bucket"], shipped["evidence_bucket"]):
        admin.create_bucket_if_absent(bucket)
    store = factory.open_object_store(subs.operator)
    home = tmp_path / "fp_home"
    home.mkdir()
    shutil.copy(subs.fp_home / "local_pins.json", home / "local_pins.json")
    keys = {
        "access_key_id": subs.operator.access_key_id,
        "secret_access_key": subs.operator.secret_access_key,
    }
    (home / "credentials").mkdir()
    (home / "credentials" / "roles.json").write_text(
        json.dumps(dict.fromkeys(("operator", "ig", "wsp", "sr"), keys))
    )
    issue_service_tokens(home)
    port = _free_port()
    env = {
        **subs.env,
        "FP_HOME": str(home),
        "FP_LOCAL_STATE_DSN": f"sqlite:///{home / 'state' / 'authority.sqlite'}",
        "FP_LOCAL_IG_PORT": str(port),
    }
    factory.open_admin(
        kafka_settings(load_profile("local_parity", env=env, fp_home=home), "operator")
    ).ensure_topics(TOPICS)
    world = synthesize_world(tmp_path / "world", 11, "baseline_v1", 60)
    root = build_pack(subs, store, world, shipped["object_store_bucket"], f"outage-{uuid.uuid4().hex[:8]}")
    bits = {
        "os": shipped["object_store_bucket"],
        "ev": shipped["evidence_bucket"],
        "dsn": env["FP_LOCAL_STATE_DSN"],
        "root": root.uri,
    }
    profile = profile_from_document(profile_document(bits), name="local_parity", env=env, fp_home=home)
    run_id = mint_run(
        store, profile.object_store.evidence_bucket, profile, clock=SystemClock(), git_revision=None
    ).platform_run_id
    with SrRuntime.open(profile, role="operator") as sr:
        outcome = sr.submit(RunRequest(run_id, f"outage-{uuid.uuid4().hex}", outputs=tuple(OUTPUTS)))
        assert outcome.ok and outcome.published, outcome.to_json()
        ready = json.loads(store.get(sr.runner.ledger(run_id, outcome.scenario_run_id).ready_signal_location))

    hold = tmp_path / "hold-publishes"
    pause = {"FP_TEST_IG_PAUSE_AT": f"before_publish:{PAUSE_S}:{hold}"}
    with serving_ig(port, {**env, **pause}, tmp_path / "ig.log", "--claim-ttl-s", "12") as url:
        yield {
            "subs": subs,
            "env": env,
            "url": url,
            "store": store,
            "profile": profile,
            "run_id": run_id,
            "scenario_run_id": outcome.scenario_run_id,
            "ready": ready,
            "hold": hold,
        }


def test_broker_stopped_mid_stream_then_back_leaves_every_event_once_on_its_topic(
    outage_site: dict[str, Any], tmp_path: Path
) -> None:
    site = outage_site
    subs: LocalSubstrates = site["subs"]
    run_id, scenario_run_id = site["run_id"], site["scenario_run_id"]
    state = WspState(open_state_engine(site["env"]["FP_LOCAL_STATE_DSN"]), SystemClock())

    def acknowledged() -> int:
        return sum(state.checkpoint(run_id, scenario_run_id, output).next_row for output in OUTPUTS)

    command = [FP, "wsp", "consume", "--platform-run-id", run_id, "--once", "--json", "--role", "operator"]
    command += ["--max-events-per-output", str(CAP), "--batch-size", str(BATCH)]
    wsp_log = tmp_path / "wsp.log"
    with wsp_log.open("w") as sink:
        wsp = subprocess.Popen(
            command, env={**os.environ, **site["env"]}, stdout=subprocess.PIPE, stderr=sink, text=True
        )
    try:
        deadline = time.monotonic() + 120
        while acknowledged() < 2 * BATCH:
            assert wsp.poll() is None, wsp_log.read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        port = int(subs.kafka_bootstrap.rsplit(":", 1)[1])
        site["hold"].touch()
        _wait_until_no_publish_in_flight(site["url"])
        _stop_tansu(subs.fp_home)
        site["hold"].unlink()
        stopped_at = time.monotonic()
        assert not probe_kafka(subs.kafka_bootstrap, timeout_s=1.0)
        # While the broker is down IG answers 503 with Retry-After (never a 500), and nothing moves
        # (a batch acknowledged by the broker just before it stopped may still be checkpointed first).
        probe = httpx.get(f"{site['url']}/readyz", timeout=30)
        assert probe.status_code == 503 and int(probe.headers["Retry-After"]) >= 1, probe.text
        during = acknowledged()
        assert during < 2 * CAP  # the outage falls mid-stream
        time.sleep(max(3.0, 9.0 - (time.monotonic() - stopped_at)))
        assert acknowledged() == during and wsp.poll() is None  # WSP is waiting and retrying
        _start_tansu(subs.fp_home, port)
        out, _ = wsp.communicate(timeout=240)
    finally:
        if wsp.poll() is None:
            wsp.kill()
            wsp.communicate(timeout=15)
    assert wsp.returncode == 0, wsp_log.read_text()[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["ok"] and result["code"] == "OK"
    for output_id in OUTPUTS:
        counts = result["outputs"][output_id]
        assert counts["next_row"] == CAP and counts["quarantined"] == 0
        assert counts["admitted"] + counts["duplicate"] >= CAP

    world = WorldKey.model_validate(site["ready"]["payload"]["world_key"])
    views = site["ready"]["payload"]["oracle_pack_ref"]["stream_views"]
    records = _records_of(site["profile"], run_id, expect=CAP * len(OUTPUTS))
    admits = _admit_refs(site["store"], site["profile"].object_store.object_store_bucket, run_id)
    for output_id in OUTPUTS:
        expected = _view_ids(site["store"], views[output_id], output_id, world)
        on_topic = [m for m in records if m.topic == ROUTES[output_id].topic]
        assert sorted({m.headers["event_id"].decode() for m in on_topic}) == sorted(expected)  # no gap
        at = {(m.partition, m.offset): m.headers["event_id"].decode() for m in on_topic}
        cited = admits.get(ROUTES[output_id].topic, {})
        assert sorted(cited) == sorted(expected)  # exactly one ADMIT per event ...
        assert all(at[place] == event_id for event_id, place in cited.items())  # ... citing its record
        assert sorted(at.values()) == sorted(expected)  # no second copy of any event


def _wait_until_no_publish_in_flight(url: str) -> None:
    """Poll IG's gauge until no batch is with the producer (every handler is held or idle)."""
    deadline = time.monotonic() + 30
    while True:
        text = httpx.get(f"{url}/metrics", timeout=10).text
        gauge = [line for line in text.splitlines() if line.startswith("ig_publishes_in_flight ")]
        assert gauge, text
        if float(gauge[0].split()[1]) == 0:
            return
        assert time.monotonic() < deadline, gauge
        time.sleep(0.02)


def _view_ids(store: Any, locator: dict[str, str], output_id: str, world: WorldKey) -> list[str]:
    manifest = json.loads(store.get(S3Location.parse(locator["view_manifest_uri"])))
    folder = locator["receipt_uri"].rsplit("/", 1)[0] + "/"
    ids: list[str] = []
    for part in manifest["parts"]:
        for row in pq.read_table(io.BytesIO(store.get(S3Location.parse(folder + part["name"])))).to_pylist():
            ids.append(event_id_for(output_id, [row["flow_id"], row["event_seq"]], world))
            if len(ids) == CAP:
                return ids
    return ids


def _records_of(profile: Any, run_id: str, *, expect: int) -> list[Any]:
    topics = sorted({route.topic for route in ROUTES.values()})
    consumer = factory.open_consumer(
        kafka_settings(profile, "operator"), f"outage-{uuid.uuid4().hex}", topics
    )
    found: list[Any] = []
    try:
        deadline = time.monotonic() + 60
        idle_since = time.monotonic()
        while time.monotonic() < deadline and (len(found) < expect or time.monotonic() - idle_since < 3.0):
            message = consumer.poll(0.25)
            if message is not None and message.headers.get("platform_run_id", b"").decode() == run_id:
                found.append(message)
                idle_since = time.monotonic()
    finally:
        consumer.close()
    return found


def _admit_refs(store: Any, bucket: str, run_id: str) -> dict[str, dict[str, tuple[int, int]]]:
    """topic -> event_id -> (partition, offset) of its ADMIT receipt; a second ADMIT fails the test."""
    refs: dict[str, dict[str, tuple[int, int]]] = {}
    prefix = S3Location(bucket, f"fraud-platform/{run_id}/ig/receipts/")
    for info in store.list(prefix):
        for line in store.get(S3Location(bucket, info.key)).decode().splitlines():
            receipt = json.loads(line)
            if receipt["decision"] == "ADMIT":
                ref = receipt["eb_ref"]
                mine = refs.setdefault(ref["topic"], {})
                assert receipt["event_id"] not in mine, receipt
                mine[receipt["event_id"]] = (ref["partition"], ref["offset"])
    return refs
