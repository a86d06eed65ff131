"""End to end on the real substrates: SR READY → `fp wsp consume` (SIGKILLed mid-stream, restarted)
→ the real IG (`fp ig serve`) → Kafka, read back by an independent consumer.

Exactly once in effect: every event of the capped views is on its topic exactly once, in view order
per partition key, although the first WSP died between batches and the second resent what the first
had not checkpointed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from ig_process import serving_ig

from fraud_platform.bootstrap.service_tokens import issue_service_tokens
from fraud_platform.config import kafka_settings, load_profile, profile_from_document
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.envelope import ROUTES, event_id_for
from fraud_platform.operate.manifest import mint_run
from fraud_platform.sr import RunRequest, SrRuntime
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate import factory
from fraud_platform.substrate.objectstore.port import S3Location
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.wsp.state import WspState

pytestmark = pytest.mark.integration

FP = str(Path(sys.executable).with_name("fp"))
CAP = 200
BATCH = 10
OUTPUTS = ("s2_event_stream_baseline_6B", "s3_event_stream_with_fraud_6B")  # as the session pack sorts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def e2e_home(wsp_site: Any, tmp_path: Path) -> dict[str, Any]:
    """An FP_HOME with the shared substrates' pins, operator-keyed roles and issued service tokens."""
    substrates = wsp_site.substrates
    home = tmp_path / "fp_home"
    home.mkdir()
    shutil.copy(substrates.fp_home / "local_pins.json", home / "local_pins.json")
    operator = {
        "access_key_id": substrates.operator.access_key_id,
        "secret_access_key": substrates.operator.secret_access_key,
    }
    (home / "credentials").mkdir()
    roles = {role: operator for role in ("operator", "ig", "wsp", "sr")}
    (home / "credentials" / "roles.json").write_text(json.dumps(roles))
    issue_service_tokens(home)
    port = _free_port()
    env = {
        **substrates.env,
        "FP_HOME": str(home),
        "FP_LOCAL_STATE_DSN": f"sqlite:///{home / 'state' / 'authority.sqlite'}",
        "FP_LOCAL_IG_PORT": str(port),
    }
    profile = load_profile("local_parity", env=env, fp_home=home)
    admin = factory.open_s3_admin(substrates.operator)
    admin.create_bucket_if_absent(profile.object_store.object_store_bucket)
    admin.create_bucket_if_absent(profile.object_store.evidence_bucket)
    return {"home": home, "env": env, "port": port, "profile": profile}


@pytest.fixture
def ig_server(e2e_home: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    with serving_ig(e2e_home["port"], e2e_home["env"], tmp_path / "ig.log") as url:
        yield url


def _wsp(
    e2e_home: dict[str, Any],
    platform_run_id: str,
    log: Path,
    *,
    cap: int = CAP,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    command = [FP, "wsp", "consume", "--platform-run-id", platform_run_id, "--once", "--json"]
    command += ["--max-events-per-output", str(cap), "--batch-size", str(BATCH), "--role", "operator"]
    with log.open("w") as sink:
        return subprocess.Popen(
            command,
            env={**os.environ, **e2e_home["env"], **(env or {})},
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )


def test_wsp_killed_mid_stream_and_restarted_puts_every_event_on_its_topic_exactly_once(
    e2e_home: dict[str, Any],
    ig_server: str,
    wsp_document: dict[str, Any],
    wsp_site: Any,
    tmp_path: Path,
) -> None:
    env, home = e2e_home["env"], e2e_home["home"]
    document = {**wsp_document, "state": {"dsn": env["FP_LOCAL_STATE_DSN"]}}
    sr_profile = profile_from_document(document, name="local_parity", env=env, fp_home=home)
    store = wsp_site.store
    run_id = mint_run(
        store, sr_profile.object_store.evidence_bucket, sr_profile, clock=SystemClock(), git_revision=None
    ).platform_run_id
    with SrRuntime.open(sr_profile, role="operator") as sr:
        outcome = sr.submit(RunRequest(run_id, f"wsp-e2e-{uuid.uuid4().hex}", outputs=tuple(OUTPUTS)))
        assert outcome.ok and outcome.published, outcome.to_json()
        signal_doc = json.loads(
            store.get(sr.runner.ledger(run_id, outcome.scenario_run_id).ready_signal_location)
        )

    state = WspState(open_state_engine(env["FP_LOCAL_STATE_DSN"]), SystemClock())

    def acknowledged() -> int:
        return sum(state.checkpoint(run_id, outcome.scenario_run_id, output).next_row for output in OUTPUTS)

    first = _wsp(e2e_home, run_id, tmp_path / "wsp1.log")
    deadline = time.monotonic() + 120
    while acknowledged() < 3 * BATCH:
        assert first.poll() is None, (tmp_path / "wsp1.log").read_text()[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    at_kill = acknowledged()
    assert first.returncode == -signal.SIGKILL and at_kill < 2 * CAP  # killed mid-stream

    second = _wsp(e2e_home, run_id, tmp_path / "wsp2.log")
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, (tmp_path / "wsp2.log").read_text()[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["ok"] and result["code"] == "OK" and result["scenario_run_id"] == outcome.scenario_run_id
    for output_id in OUTPUTS:
        counts = result["outputs"][output_id]
        assert counts["next_row"] == CAP and counts["quarantined"] == 0
        assert CAP <= counts["sent"] <= CAP + BATCH  # at most the one unacknowledged batch resent

    world = WorldKey.model_validate(signal_doc["payload"]["world_key"])
    views = signal_doc["payload"]["oracle_pack_ref"]["stream_views"]
    records = _read_topics(e2e_home["profile"], run_id, expect=CAP * len(OUTPUTS))
    for output_id in OUTPUTS:
        expected, keys = _view(store, views[output_id], output_id, world)
        on_topic = [m for m in records if m.topic == ROUTES[output_id].topic]
        ids = [m.headers["event_id"].decode() for m in on_topic]
        assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids))  # no gap, no second copy
        for key in set(keys.values()):  # view order per partition key
            mine = [i for i in ids if keys[i] == key]
            assert mine == [i for i in expected if keys[i] == key]


def _view(
    store: Any, locator: dict[str, str], output_id: str, world: WorldKey, cap: int = CAP
) -> tuple[list[str], dict[str, Any]]:
    manifest = json.loads(store.get(S3Location.parse(locator["view_manifest_uri"])))
    folder = locator["receipt_uri"].rsplit("/", 1)[0] + "/"
    ids: list[str] = []
    keys: dict[str, Any] = {}
    for part in manifest["parts"]:
        for row in pq.read_table(io.BytesIO(store.get(S3Location.parse(folder + part["name"])))).to_pylist():
            event_id = event_id_for(output_id, [row["flow_id"], row["event_seq"]], world)
            ids.append(event_id)
            keys[event_id] = row[ROUTES[output_id].partition_key]
            if len(ids) == cap:
                return ids, keys
    return ids, keys


def _read_topics(profile: Any, run_id: str, *, expect: int) -> list[Any]:
    """Every record of the run on any IG topic, read by an independent consumer (no watermarks)."""
    topics = sorted({route.topic for route in ROUTES.values()})
    consumer = factory.open_consumer(
        kafka_settings(profile, "operator"), f"wsp-e2e-{uuid.uuid4().hex}", topics
    )
    found: list[Any] = []
    try:
        deadline = time.monotonic() + 60
        while len(found) < expect and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.headers.get("platform_run_id", b"").decode() == run_id:
                found.append(message)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < 3.0:
            message = consumer.poll(0.25)
            if message is not None and message.headers.get("platform_run_id", b"").decode() == run_id:
                found.append(message)
                idle_since = time.monotonic()
    finally:
        consumer.close()
    return found


SMALL_CAP = 20


def test_cap_20_end_to_end_then_a_replay_by_a_wsp_that_lost_its_state_is_all_duplicate(
    e2e_home: dict[str, Any],
    ig_server: str,
    wsp_document: dict[str, Any],
    wsp_site: Any,
    tmp_path: Path,
) -> None:
    """The IG side of a replay: SR re-emits READY and a WSP with a fresh state DB streams it all again."""
    env, home = e2e_home["env"], e2e_home["home"]
    document = {**wsp_document, "state": {"dsn": env["FP_LOCAL_STATE_DSN"]}}
    sr_profile = profile_from_document(document, name="local_parity", env=env, fp_home=home)
    store = wsp_site.store
    run_id = mint_run(
        store, sr_profile.object_store.evidence_bucket, sr_profile, clock=SystemClock(), git_revision=None
    ).platform_run_id
    with SrRuntime.open(sr_profile, role="operator") as sr:
        outcome = sr.submit(RunRequest(run_id, f"wsp-replay-{uuid.uuid4().hex}", outputs=tuple(OUTPUTS)))
        assert outcome.ok and outcome.published, outcome.to_json()
        signal_doc = json.loads(
            store.get(sr.runner.ledger(run_id, outcome.scenario_run_id).ready_signal_location)
        )

        first = _wsp(e2e_home, run_id, tmp_path / "wsp1.log", cap=SMALL_CAP)
        out, _ = first.communicate(timeout=300)
        assert first.returncode == 0, (tmp_path / "wsp1.log").read_text()[-3000:]
        streamed = json.loads(out.strip().splitlines()[-1])["outputs"]
        for output_id in OUTPUTS:
            assert (streamed[output_id]["sent"], streamed[output_id]["admitted"]) == (SMALL_CAP, SMALL_CAP)

        world = WorldKey.model_validate(signal_doc["payload"]["world_key"])
        views = signal_doc["payload"]["oracle_pack_ref"]["stream_views"]
        expected = {o: _view(store, views[o], o, world, SMALL_CAP) for o in OUTPUTS}
        before = _read_topics(e2e_home["profile"], run_id, expect=SMALL_CAP * len(OUTPUTS))
        for output_id in OUTPUTS:
            ids, keys = expected[output_id]
            on_topic = [m.headers["event_id"].decode() for m in before if m.topic == ROUTES[output_id].topic]
            assert sorted(on_topic) == sorted(ids) and len(on_topic) == len(set(on_topic))
            for key in set(keys.values()):  # view order per partition key
                assert [i for i in on_topic if keys[i] == key] == [i for i in ids if keys[i] == key]

        # SR re-emits the identical READY; the WSP that takes it lost its state (checkpoints, consumed set).
        sr.reemit(outcome.scenario_run_id, platform_run_id=run_id)
    fresh = {"FP_LOCAL_STATE_DSN": f"sqlite:///{tmp_path / 'lost' / 'authority.sqlite'}"}
    (tmp_path / "lost").mkdir()
    second = _wsp(e2e_home, run_id, tmp_path / "wsp2.log", cap=SMALL_CAP, env=fresh)
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, (tmp_path / "wsp2.log").read_text()[-3000:]
    replayed = json.loads(out.strip().splitlines()[-1])["outputs"]
    for output_id in OUTPUTS:
        counts = replayed[output_id]
        assert (counts["sent"], counts["admitted"], counts["duplicate"]) == (SMALL_CAP, 0, SMALL_CAP)

    # IG's receipts: each event has its ADMIT and its DUPLICATE, the DUPLICATE citing the ADMIT's EB ref,
    # which is where the record really is on the topic.
    after = _read_topics(e2e_home["profile"], run_id, expect=SMALL_CAP * len(OUTPUTS))
    assert sorted((m.topic, m.partition, m.offset) for m in after) == sorted(
        (m.topic, m.partition, m.offset) for m in before
    )  # nothing new on any topic
    where = {m.headers["event_id"].decode(): (m.topic, m.partition, m.offset) for m in after}
    decided: dict[str, list[tuple[str, tuple[str, int, int]]]] = {}
    prefix = S3Location(sr_profile.object_store.object_store_bucket, f"fraud-platform/{run_id}/ig/receipts/")
    for info in store.list(prefix):
        for line in store.get(S3Location(prefix.bucket, info.key)).decode().splitlines():
            receipt = json.loads(line)
            ref = receipt["eb_ref"]
            decided.setdefault(receipt["event_id"], []).append(
                (receipt["decision"], (ref["topic"], ref["partition"], ref["offset"]))
            )
    assert set(decided) == set(where) and len(where) == SMALL_CAP * len(OUTPUTS)
    for event_id, decisions in decided.items():
        assert sorted(decisions) == [("ADMIT", where[event_id]), ("DUPLICATE", where[event_id])]
