"""IG admits events of a run that the real Scenario Runner declared READY (no hand-written READY here).

A small synthetic world is landed, sealed and sorted through the Oracle's API, a platform run is
minted, and SR is driven to READY; IG then reads the `ready_signal` SR pinned and admits events
carrying that run's world key, and quarantines the same events under a world key SR did not declare.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from ig_support import BASELINE, IgSite, ReadyRun, TopicReader, post_batch

from fraud_platform.config import profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.sr import RunRequest, SrRuntime
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_SCENARIO = "baseline_v1"


def test_events_of_an_sr_ready_run_are_admitted(
    ig_site: IgSite, start_ig, topic_reader: TopicReader, tmp_path: Path
) -> None:
    operator = ig_site.substrates.operator
    world = synthesize_world(tmp_path / "world", 7, _SCENARIO, 40)
    root = PackRoot.parse(
        f"s3://{ig_site.bucket}/oracle-store/ig-{uuid.uuid4().hex[:10]}/{world.engine_run_id}/"
    )
    land_world(LocalFolderSource(world.root), ig_site.store, root)
    assert seal_pack(ig_site.store, root, _SCENARIO, ArrowS3TailReader(operator)).ok
    sort_stream_views(ig_site.store, operator, root, _SCENARIO, outputs=[BASELINE])
    document = raw_profile("local_parity")
    document["oracle"] = {**document["oracle"], "engine_run_root": root.uri, "scenario_id": _SCENARIO}
    document["state"] = {"dsn": ig_site.env["FP_LOCAL_STATE_DSN"]}
    profile = profile_from_document(document, name="local_parity", env=ig_site.env, fp_home=ig_site.home)
    platform_run_id = mint_run(
        ig_site.store, ig_site.evidence_bucket, profile, clock=SystemClock(), git_revision=None
    ).platform_run_id
    sr = SrRuntime.open(profile, role="operator")
    try:
        outcome = sr.submit(RunRequest(platform_run_id, f"ig-it-{uuid.uuid4().hex}", outputs=(BASELINE,)))
    finally:
        sr.close()
    assert outcome.state.value == "READY", outcome
    signal = json.loads(
        ig_site.store.get(
            S3Location(
                ig_site.bucket,
                f"fraud-platform/{platform_run_id}/sr/ready_signal/{outcome.scenario_run_id}.json",
            )
        )
    )
    run = ReadyRun(
        platform_run_id, outcome.scenario_run_id, WorldKey(**signal["payload"]["world_key"]), (BASELINE,)
    )
    server = start_ig()
    events = [run.baseline(flow) for flow in range(6)]
    decisions = post_batch(server.url, ig_site.wsp_token, events).json()["decisions"]
    assert [d["decision"] for d in decisions] == ["ADMIT"] * 6
    assert len(topic_reader.records_for(platform_run_id, 6)) == 6
    foreign = [{**event, "seed": event["seed"] + 1} for event in events]
    refused = post_batch(server.url, ig_site.wsp_token, foreign).json()["decisions"]
    assert [d["reason_code"] for d in refused] == ["RUN_FOREIGN"] * 6
