"""`fp run lane` when things go wrong, on the bootstrapped local substrates, through the real CLI.

Each test breaks one thing at a moment it chooses rather than one it guesses from timings:
- WSP is SIGKILLed while IG holds its batch (IG's `before_publish` pause with a hold file): the
  supervisor restarts it, it resumes from its checkpoints, IG answers the resent batch DUPLICATE, and
  the run still passes with exact counts;
- IG cannot bind its port: the lane fails at once (PROCESS_NOT_READY, exit 2), its failure document
  names IG's exit code and log tail, and no child is left running;
- the lane is SIGKILLed after the daemons stopped, before the commit (its own pause hook): the rerun
  with `--run` converges promptly (no WSP is started for a READY already streamed) to one bundle
  whose telemetry includes IG's and WSP's own parts;
- a stale pointer (to a landed but unsealed pack) and a missing pointer are refused before any child
  starts, with the pointer's or the pack check's own code;
- a ladder whose first rung cannot pay for its own evidence is refused before that rung is minted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from lane_support import FP, fp_json, free_port

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates, bootstrap_local_substrates
from fraud_platform.config import load_profile, role_credentials
from fraud_platform.config.schema import PricingSection
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.obs.closure import read_commit
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate.lane.ladder import LADDERS_PREFIX, first_rung_floor, run_ladder
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    land_world,
    seal_pack,
    set_pointer,
)
from fraud_platform.oracle.layout import default_root_uri
from fraud_platform.oracle.pointer import pointer_location
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.local import down, up
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration

_SCENARIO = "baseline_v1"
_CAP = 20
_DEADLINE_S = 240


@dataclass(frozen=True)
class Lane:
    """The module's environment: FP_HOME on a free IG port, a good pack behind the pointer, and an
    unsealed landing of another world for the stale-pointer test."""

    env: dict[str, str]
    operator: ObjectStore
    bucket: str
    evidence_bucket: str
    unsealed_root: str
    logs: Path
    ig_url: str


def _last_json(stdout: str, stderr: str) -> dict[str, Any]:
    lines = stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), f"stdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _json(store: ObjectStore, uri: str) -> Any:
    return parse_json_bytes(store.get(S3Location.parse(uri)))


def _gone(pid: int, executable: str) -> bool:
    """True when `pid` no longer runs `executable` (absent, a zombie, or reused by another program)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except (FileNotFoundError, ProcessLookupError):
        return True
    state = stat.rsplit(")", 1)[1].split()[0]
    return state in ("Z", "X") or cmdline != executable


def _counters_exact(counters: dict[str, Any]) -> None:
    assert counters
    for row in counters.values():
        assert row["admitted"] == min(_CAP, row["view_rows"]) == row["on_topic"] == row["distinct_on_topic"]
        assert row["sent"] == row["received"] == row["admitted"] + row["duplicate"] + row["quarantined"]


@pytest.fixture(scope="module")
def lane(bootstrapped: BootstrappedSubstrates, tmp_path_factory: pytest.TempPathFactory) -> Lane:
    port = free_port()
    env = {**os.environ, **bootstrapped.env, "FP_LOCAL_IG_PORT": str(port)}
    profile = load_profile("local_parity", env=env, fp_home=bootstrapped.fp_home)
    bucket = profile.object_store.object_store_bucket
    lander_creds = role_credentials(profile, "oracle_lander")
    lander = OracleRuntime(profile, lander_creds, open_object_store(lander_creds))
    worlds = tmp_path_factory.mktemp("lane_failure_worlds")
    world = synthesize_world(worlds / "good", seed=23, scenario_id=_SCENARIO, flows=40)
    root = PackRoot.parse(default_root_uri(bucket, profile.oracle.namespace, world.engine_run_id))
    land_world(LocalFolderSource(world.root), lander.store, root)
    assert seal_pack(lander.store, root, _SCENARIO, lander.tails()).ok
    sorter = role_credentials(profile, "oracle_sorter")
    sort_stream_views(open_object_store(sorter), sorter, root, _SCENARIO)
    set_pointer(lander.store, bucket, profile.profile, root.uri, _SCENARIO, lander.checked_pack_id)
    other = synthesize_world(worlds / "unsealed", seed=29, scenario_id=_SCENARIO, flows=10)
    unsealed = PackRoot.parse(default_root_uri(bucket, profile.oracle.namespace, other.engine_run_id))
    land_world(LocalFolderSource(other.root), lander.store, unsealed)
    return Lane(
        env=env,
        operator=open_object_store(bootstrapped.credentials["operator"]),
        bucket=bucket,
        evidence_bucket=profile.object_store.evidence_bucket,
        unsealed_root=unsealed.uri,
        logs=bootstrapped.fp_home / "logs" / "lane",
        ig_url=f"http://127.0.0.1:{port}",
    )


@pytest.fixture
def pointer_restored(lane: Lane) -> Iterator[bytes]:
    """The pointer's bytes now; put back as they were however the test ends."""
    location = pointer_location(lane.bucket, "local_parity")
    original = lane.operator.get(location)
    yield original
    info = lane.operator.head(location)
    lane.operator.put_if_match(location, original, None if info is None else info.etag)
    assert lane.operator.get(location) == original


def _failure(lane: Lane, result: dict[str, Any]) -> dict[str, Any]:
    uri = result["refs"]["failure_document"]
    assert "/lane_failures/" in uri
    document: dict[str, Any] = _json(lane.operator, uri)
    assert document["code"] == result["code"]
    return document


def _wait_for(what: str, probe: Any, deadline_s: float = 120.0) -> Any:
    deadline = time.monotonic() + deadline_s
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _live_events(lane: Lane) -> list[dict[str, Any]]:
    try:
        events: list[dict[str, Any]] = json.loads((lane.logs / "processes.json").read_text())["events"]
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return events


def _received(lane: Lane) -> float:
    try:
        text = httpx.get(f"{lane.ig_url}/metrics", timeout=2).text
    except httpx.TransportError:
        return 0.0
    lines = [line for line in text.splitlines() if line.startswith("ig_events_received_total ")]
    return float(lines[0].split()[1]) if lines else 0.0


def test_a_stale_pointer_is_refused_before_any_process_starts(lane: Lane, pointer_restored: bytes) -> None:
    location = pointer_location(lane.bucket, "local_parity")
    ig_log = lane.logs / "ig.log"
    log_size = ig_log.stat().st_size if ig_log.exists() else 0
    stale = {**json.loads(pointer_restored), "pack_root": lane.unsealed_root}
    info = lane.operator.head(location)
    assert info is not None
    lane.operator.put_if_match(location, json.dumps(stale).encode(), info.etag)

    code, result, output = fp_json(
        lane.env, "run", "lane", "--events-per-output", str(_CAP), timeout_s=_DEADLINE_S
    )
    assert code == 2 and result["ok"] is False and result["code"] == "PACK_NOT_SEALED", output[-3000:]
    document = _failure(lane, result)
    assert document["step"] == "pack check" and document["processes"]["events"] == []

    assert (ig_log.stat().st_size if ig_log.exists() else 0) == log_size  # IG never started


def test_a_missing_pointer_is_refused_before_any_process_starts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On substrates of its own, bootstrapped but never pointed at a pack: the bootstrap posture makes
    a pointer undeletable even for the operator, so the shared ones cannot lose theirs for this test."""
    home = tmp_path_factory.mktemp("fp_home_unpointed")
    up(home, kafka_storage="memory", die_with_parent=True)
    try:
        fresh = bootstrap_local_substrates(home)
        env = {**os.environ, **fresh.env, "FP_LOCAL_IG_PORT": str(free_port())}
        code, result, output = fp_json(
            env, "run", "lane", "--events-per-output", str(_CAP), timeout_s=_DEADLINE_S
        )
        assert code == 2 and result["ok"] is False and result["code"] == "POINTER_MISSING", output[-3000:]
        operator = open_object_store(fresh.credentials["operator"])
        uri = result["refs"]["failure_document"]
        document = _json(operator, uri)
        assert document["code"] == "POINTER_MISSING" and document["step"] == "pack check"
        assert document["processes"]["events"] == []
        assert not (home / "logs" / "lane").exists()  # no child was started (no log, no process record)
    finally:
        down(home)


def test_ig_that_cannot_bind_its_port_fails_the_lane_cleanly_with_its_log_tail_and_no_orphan(
    lane: Lane,
) -> None:
    port = int(lane.env["FP_LOCAL_IG_PORT"])
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen(1)
        started = time.monotonic()
        code, result, output = fp_json(
            lane.env, "run", "lane", "--events-per-output", str(_CAP), timeout_s=_DEADLINE_S
        )
        elapsed = time.monotonic() - started
    assert code == 2 and result["code"] == "PROCESS_NOT_READY", output[-3000:]
    assert elapsed < 60, elapsed  # a dead IG is seen at once, not at its ready deadline
    document = _failure(lane, result)
    assert document["step"] == "IG start"
    assert document["refs"]["process"] == "ig" and document["refs"]["exit_code"] not in (None, 0)
    assert "in use" in document["refs"]["log_tail"].lower()
    events = document["processes"]["events"]
    assert {event["name"] for event in events} == {"ig"}  # WSP was never started
    assert [e["kind"] for e in events] == ["started", "not_ready"]
    executable = document["processes"]["processes"][0]["argv"][0]
    assert all(_gone(event["pid"], executable) for event in events)


def test_wsp_killed_mid_stream_is_restarted_resumes_and_the_run_passes_with_exact_counts(
    lane: Lane, tmp_path: Path
) -> None:
    hold = tmp_path / "ig.hold"
    hold.touch()
    (lane.logs / "processes.json").unlink(missing_ok=True)
    env = {**lane.env, "FP_TEST_IG_PAUSE_AT": f"before_publish:0.001:{hold}"}
    with subprocess.Popen(
        [FP, "run", "lane", "--events-per-output", str(_CAP), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as lane_process:
        try:
            started = _wait_for(
                "WSP to start",
                lambda: [e for e in _live_events(lane) if e["name"] == "wsp" and e["kind"] == "started"],
            )
            _wait_for("IG to hold WSP's first batch", lambda: _received(lane) >= 1)
            killed = started[0]["pid"]
            os.kill(killed, signal.SIGKILL)
            hold.unlink()
            stdout, stderr = lane_process.communicate(timeout=_DEADLINE_S)
        finally:
            hold.unlink(missing_ok=True)
            if lane_process.poll() is None:
                lane_process.kill()
                lane_process.communicate()
    result = _last_json(stdout, stderr)
    assert lane_process.returncode == 0 and result["verdict"] == "PASS", (stdout + stderr)[-4000:]
    _counters_exact(result["counters"])
    assert sum(row["duplicate"] for row in result["counters"].values()) > 0  # the resent batch

    commit = _json(lane.operator, result["evidence"])
    assert sum(commit["summary"]["resent"].values()) > 0
    processes = _json(lane.operator, commit["files"]["processes.json"]["uri"])
    wsp = [(e["kind"], e["attempt"], e["exit_code"]) for e in processes["events"] if e["name"] == "wsp"]
    assert ("died", 0, -signal.SIGKILL) in wsp
    assert any(kind == "restarted" and attempt == 1 for kind, attempt, _ in wsp)
    assert wsp[-1][0] == "exited" and wsp[-1][2] == 0
    assert [e["pid"] for e in processes["events"] if e["name"] == "wsp" and e["kind"] == "died"] == [killed]


def test_a_lane_killed_before_its_commit_converges_on_rerun_with_the_childrens_telemetry(
    lane: Lane, tmp_path: Path
) -> None:
    hold = tmp_path / "lane.hold"
    hold.touch()
    env = {**lane.env, "FP_TEST_LANE_PAUSE_AT": f"before_commit:0.001:{hold}"}
    seen: list[str] = []
    with subprocess.Popen(
        [FP, "run", "lane", "--events-per-output", str(_CAP), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as lane_process:
        assert lane_process.stderr is not None
        try:
            deadline = time.monotonic() + _DEADLINE_S
            while not any("paused before the commit" in line for line in seen):
                assert time.monotonic() < deadline and lane_process.poll() is None, "".join(seen)[-3000:]
                seen.append(lane_process.stderr.readline())
            lane_process.send_signal(signal.SIGKILL)
            lane_process.wait(timeout=30)
        finally:
            hold.unlink(missing_ok=True)
            if lane_process.poll() is None:
                lane_process.kill()
                lane_process.wait()
    run_id = next(line.split()[1] for line in seen if line.startswith("run platform_"))
    evidence = RunEvidence(lane.evidence_bucket, run_id)
    assert read_commit(lane.operator, evidence) is None  # the killed attempt committed nothing

    started = time.monotonic()
    code, result, output = fp_json(
        lane.env, "run", "lane", "--events-per-output", str(_CAP), "--run", run_id, timeout_s=_DEADLINE_S
    )
    elapsed = time.monotonic() - started
    assert code == 0 and result["verdict"] == "PASS" and result["committed_now"] is True, output[-4000:]
    assert elapsed < 90, elapsed  # not WSP's READY deadline (300 s locally)
    assert "already streamed" in output
    _counters_exact(result["counters"])
    assert all(row["duplicate"] == 0 for row in result["counters"].values())  # nothing sent twice

    commit = _json(lane.operator, result["evidence"])
    processes = _json(lane.operator, commit["files"]["processes.json"]["uri"])
    assert [e for e in processes["events"] if e["name"] == "wsp"] == []  # no WSP on the rerun
    snapshot = _json(lane.operator, commit["files"]["lane_telemetry.json"]["uri"])["snapshot"]
    components = snapshot["components"]
    produced = sum(
        directions["produce"]["messages"] for directions in components["ig"]["kafka"]["ig"].values()
    )
    assert produced == result["totals"]["admitted"] > 0
    assert sum(op["requests"] for name, op in components["wsp"]["s3"]["wsp"].items() if "Get" in name) > 0
    assert snapshot["kafka"]["ig"] == components["ig"]["kafka"]["ig"]  # the children are in the total


def test_a_ladder_whose_first_rung_cannot_pay_for_its_evidence_is_refused_before_it_is_minted(
    lane: Lane, bootstrapped: BootstrappedSubstrates, tmp_path: Path
) -> None:
    local = load_profile("local_parity", env=lane.env, fp_home=bootstrapped.fp_home)
    prices = PricingSection(
        currency="USD",
        taken_on="2026-12-03",
        s3_write_requests_per_1000=Decimal("0.005"),
        s3_read_requests_per_1000=Decimal("0.0004"),
        s3_storage_gb_month=Decimal("0.023"),
        s3_transfer_out_gb=Decimal("0.09"),
        kafka_ingress_gb=Decimal("0.05"),
        kafka_egress_gb=Decimal("0.05"),
        kafka_partition_hour=Decimal(0),
        kafka_cluster_hour=Decimal(0),
        rung_cap_usd=Decimal("0.000001"),
    )
    priced = local.model_copy(update={"pricing": prices})
    runs = S3Location(lane.evidence_bucket, "evidence/runs/")
    before = {info.key.split("/")[2] for info in lane.operator.list(runs)}

    result = run_ladder(priced, rungs=[20, 200], logs=tmp_path)

    assert result.climb.code == "BUDGET_EXCEEDED"
    (refused,) = result.climb.rungs
    assert refused.status == "REFUSED" and refused.platform_run_id is None and refused.rung == 1
    assert refused.projected_usd == first_rung_floor(prices).total > prices.rung_cap_usd
    assert {info.key.split("/")[2] for info in lane.operator.list(runs)} == before  # nothing minted
    assert not list(tmp_path.iterdir())  # no child was started (no log written)
    summary = _json(lane.operator, result.summary_uri)
    assert result.summary_uri.endswith(f"{LADDERS_PREFIX}{result.ladder_id}.json")
    assert summary["code"] == "BUDGET_EXCEEDED" and [r["status"] for r in summary["rungs"]] == ["REFUSED"]
