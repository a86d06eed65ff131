"""`fp run lane` end to end on the bootstrapped local substrates, then `fp run verify` on its bundle.

A small synthetic world is landed, sealed, sorted and pointed at (each under its own role), then the
real CLI runs the lane as an operator would: IG and WSP as supervised children, SR READY, counts
reconciled from WSP checkpoints, IG receipts and the topics read back, the bundle committed last.
Verification re-reads every file by digest; a tampered bundle file fails it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lane_support import fp_json, point_at_small_world

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes, sha256_hex
from fraud_platform.obs.closure import CLOSURE_COMMIT
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.lineage import LANE_JOBS, validate_event
from fraud_platform.operate.lane.judge import STATEMENT_FILES
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.objectstore.port import ObjectStore

pytestmark = pytest.mark.integration

_CAP = 20


@pytest.fixture(scope="module")
def lane_env(
    bootstrapped: BootstrappedSubstrates, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The bootstrapped FP_HOME (every role with its own key) on a free IG port, with a small
    world's pack behind the pointer (landed, sealed and pointed at as lander, sorted as sorter)."""
    env, _root = point_at_small_world(bootstrapped, tmp_path_factory.mktemp("lane_world"))
    return env


def _forge_statement(store: ObjectStore, evidence: RunEvidence, name: str) -> None:
    """Change one sampled event id in a statement file and re-bind it in the commit, as a forger
    with write access would, so only re-checking the statement (not the digests) can catch it."""
    location, commit_location = evidence.prefix.child(name), evidence.prefix.child(CLOSURE_COMMIT)
    document = parse_json_bytes(store.get(location))
    first = next(iter(document["outputs"].values()))["sample"][0]
    first["event_id"] = "0" * 64
    forged = canonical_file_bytes(document)
    info, commit_info = store.head(location), store.head(commit_location)
    assert info is not None and commit_info is not None
    store.put_if_match(location, forged, info.etag)
    commit = parse_json_bytes(store.get(commit_location))
    commit["files"][name].update(sha256=sha256_hex(forged), bytes=len(forged))
    store.put_if_match(commit_location, canonical_file_bytes(commit), commit_info.etag)


def _assert_charts_have_data(page: str, counters: dict[str, Any]) -> None:
    """Both admission charts of the report hold every admitted event: the times from IG's receipts,
    the latencies from their `admission_ms` (a lane run's receipts all carry it), and no empty-chart note."""
    figures = {
        name: json.loads(found.group(1))
        for name in ("admitted", "latency")
        if (found := re.search(rf"var {name} = (.*);\n", page)) is not None
    }
    admitted = {trace["name"]: len(trace["x"]) for trace in figures["admitted"]["data"]}
    latencies = {trace["name"]: trace["x"] for trace in figures["latency"]["data"]}
    expected = {output_id: row["admitted"] for output_id, row in counters.items() if row["admitted"]}
    assert admitted == expected
    assert {name: len(values) for name, values in latencies.items()} == expected
    assert all(value > 0 for values in latencies.values() for value in values)
    assert "chart-note" not in page.split("</style>", 1)[1]


def test_lane_at_cap_20_passes_and_verifies_and_a_tampered_file_does_not(
    lane_env: dict[str, str], bootstrapped: BootstrappedSubstrates, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.html"
    code, result, output = fp_json(lane_env, "run", "lane", "--events-per-output", str(_CAP))
    assert code == 0 and result["ok"] and result["verdict"] == "PASS", output[-4000:]
    run_id = result["platform_run_id"]
    counters = result["counters"]
    assert counters and all(row["admitted"] == min(_CAP, row["view_rows"]) for row in counters.values())
    assert all(row["on_topic"] == row["admitted"] == row["distinct_on_topic"] for row in counters.values())
    assert all(row["sent"] == row["received"] for row in counters.values())
    assert result["evidence"].endswith(f"evidence/runs/{run_id}/{CLOSURE_COMMIT}")

    code, verified, output = fp_json(lane_env, "run", "verify", run_id)
    assert code == 0 and verified["verdict"] == "PASS" and verified["problems"] == [], output[-3000:]
    operator = open_object_store(bootstrapped.credentials["operator"])
    evidence = RunEvidence(bootstrapped.profile.object_store.evidence_bucket, run_id)
    commit = parse_json_bytes(operator.get(evidence.prefix.child(CLOSURE_COMMIT)))
    assert verified["files_checked"] == len(commit["files"])
    lines = [json.loads(line) for line in output.splitlines() if line.startswith('{"evidence"')]
    assert [line["statement"] for line in lines] == list(STATEMENT_FILES)
    assert all(line["holds"] and line["problems"] == [] for line in lines)
    assert verified["statements"] == dict.fromkeys(STATEMENT_FILES, True)
    anchors = parse_json_bytes(operator.get(evidence.prefix.child("replay_anchors.json")))["anchors"]
    assert sum(part["records"] for parts in anchors.values() for part in parts.values()) == sum(
        row["admitted"] for row in counters.values()
    )

    lineage = parse_json_bytes(operator.get(evidence.prefix.child("lineage.json")))["events"]
    for event in lineage:
        validate_event(event)
    assert sorted((e["job"]["name"], e["eventType"]) for e in lineage) == sorted(
        (f"lane.{job}", state) for job in LANE_JOBS for state in ("START", "COMPLETE")
    )
    sort_outputs = {o["name"] for e in lineage if e["job"]["name"] == "lane.sort" for o in e["outputs"]}
    assert len(sort_outputs) == len(counters) and all("/stream_view/" in name for name in sort_outputs)
    page = operator.get(evidence.prefix.child("report.html")).decode("utf-8")
    assert run_id in page and "PASS" in page
    _assert_charts_have_data(page, counters)
    processes = parse_json_bytes(operator.get(evidence.prefix.child("processes.json")))
    assert [e["kind"] for e in processes["events"] if e["name"] == "wsp"][-1] == "exited"

    code, again, _ = fp_json(lane_env, "run", "lane", "--events-per-output", str(_CAP), "--run", run_id)
    assert code == 0 and again["committed_now"] is False and again["evidence"] == result["evidence"]

    code, fetched, output = fp_json(lane_env, "run", "report", run_id, "--out", str(report_path))
    assert code == 0 and fetched["report"] == str(report_path), output[-2000:]
    assert report_path.read_bytes() == operator.get(evidence.prefix.child("report.html"))

    _forge_statement(operator, evidence, "statement_downstream_parity.json")
    code, refused, output = fp_json(lane_env, "run", "verify", run_id)
    assert code == 2 and refused["code"] == "STATEMENT_UNPROVEN", output[-3000:]
    assert refused["statements"]["downstream_parity"] is False
    assert any("do not recompute from the view" in problem for problem in refused["problems"])

    location = evidence.prefix.child("reconciliation.json")
    info = operator.head(location)
    assert info is not None
    forged = operator.get(location).replace(b'"PASS"', b'"PASS" ')
    operator.put_if_match(location, forged, info.etag)
    code, refused, _ = fp_json(lane_env, "run", "verify", run_id)
    assert code == 2 and refused["code"] == "CLOSURE_DIGEST_MISMATCH"
