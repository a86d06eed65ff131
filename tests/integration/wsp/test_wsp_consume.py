"""WSP on the real substrates: a real SR READY is verified and streamed; replays, forgeries and other
runs' READYs are recognised, refused and skipped, each with its offset committed and its fact."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fraud_platform.config import Profile, kafka_settings
from fraud_platform.eb.envelope import event_id_for
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate import factory
from fraud_platform.wsp import Outcome, StreamOptions, WspRuntime

pytestmark = pytest.mark.integration

CAP = 20


def _families(site: Any, profile: Profile, platform_run_id: str) -> set[str]:
    facts = RunEvidence(profile.object_store.evidence_bucket, platform_run_id).governance
    return {info.key.split("/")[-2] for info in site.store.list(facts)}


def _view_ids(site: Any, run: Any, output_id: str, world: WorldKey, limit: int) -> list[str]:
    """The first `limit` event ids of a view, recomputed independently from READY's manifest and parts."""
    import io

    import pyarrow.parquet as pq

    from fraud_platform.substrate.objectstore.port import S3Location

    signal = json.loads(
        site.store.get(run.sr.runner.ledger(run.platform_run_id, run.scenario_run_id).ready_signal_location)
    )
    locator = signal["payload"]["oracle_pack_ref"]["stream_views"][output_id]
    manifest = json.loads(site.store.get(S3Location.parse(locator["view_manifest_uri"])))
    folder = locator["receipt_uri"].rsplit("/", 1)[0] + "/"
    ids: list[str] = []
    for part in manifest["parts"]:
        table = pq.read_table(io.BytesIO(site.store.get(S3Location.parse(folder + part["name"]))))
        for row in table.to_pylist():
            ids.append(event_id_for(output_id, [row["flow_id"], row["event_seq"]], world))
            if len(ids) == limit:
                return ids
    return ids


def test_a_real_ready_is_streamed_in_view_order_and_a_reemit_is_recognised(
    ready_run: Callable[..., Any],
    open_wsp: Callable[..., WspRuntime],
    fake_ig: Any,
    wsp_profile: Profile,
    wsp_site: Any,
) -> None:
    run = ready_run()
    wsp = open_wsp(fake_ig)
    options = StreamOptions(max_events_per_output=CAP, batch_size=7)
    report = wsp.consume(run.platform_run_id, options, once=True, wait_s=60)
    ready = report.ready
    assert ready is not None and ready.outcome is Outcome.STREAMED and not ready.replayed
    assert ready.message_id == run.message_id and ready.scenario_run_id == run.scenario_run_id
    signal = json.loads(
        wsp_site.store.get(
            run.sr.runner.ledger(run.platform_run_id, run.scenario_run_id).ready_signal_location
        )
    )
    world = WorldKey.model_validate(signal["payload"]["world_key"])
    for output_id in signal["payload"]["intended_outputs"]:
        assert fake_ig.admitted[output_id] == _view_ids(wsp_site, run, output_id, world, CAP)
        assert ready.outputs[output_id]["sent"] == CAP and ready.outputs[output_id]["admitted"] == CAP
    assert all(item.outcome is Outcome.SKIPPED_OUT_OF_SCOPE for item in report.handled[:-1])
    assert "WSP_READY_STREAMED" in _families(wsp_site, wsp_profile, run.platform_run_id)

    # SR re-emits the identical READY: WSP recognises it by message_id and sends nothing.
    calls = fake_ig.calls
    run.sr.reemit(run.scenario_run_id, platform_run_id=run.platform_run_id)
    again = open_wsp(fake_ig).consume(run.platform_run_id, options, once=True, wait_s=60).ready
    assert again is not None and again.outcome is Outcome.STREAMED and again.replayed
    assert fake_ig.calls == calls
    assert again.outputs[signal["payload"]["intended_outputs"][0]]["admitted"] == CAP


def test_a_forged_ready_is_rejected_and_another_runs_ready_is_skipped(
    ready_run: Callable[..., Any],
    open_wsp: Callable[..., WspRuntime],
    fake_ig: Any,
    wsp_profile: Profile,
    wsp_site: Any,
) -> None:
    other = ready_run()
    run = ready_run()
    signal = wsp_site.store.get(
        run.sr.runner.ledger(run.platform_run_id, run.scenario_run_id).ready_signal_location
    )
    forged = json.loads(signal)
    views = forged["payload"]["oracle_pack_ref"]["stream_views"]
    first = sorted(views)[0]
    views[first]["view_manifest_sha256"] = (
        "0" * 64
    )  # message_id still recomputes: only the facts view can tell
    producer = factory.open_producer(kafka_settings(wsp_profile, "operator"))
    try:
        producer.produce_sync(
            CONTROL_TOPIC,
            json.dumps(forged, sort_keys=True, separators=(",", ":")).encode(),
            key=run.platform_run_id.encode(),
            headers={"message_id": run.message_id.encode()},
        )
    finally:
        producer.close()
    options = StreamOptions(max_events_per_output=5, batch_size=5)
    streamed = open_wsp(fake_ig).consume(run.platform_run_id, options, once=True, wait_s=60)
    skipped = [item for item in streamed.handled if item.outcome is Outcome.SKIPPED_OUT_OF_SCOPE]
    assert other.platform_run_id in {item.platform_run_id for item in skipped}
    assert streamed.ready is not None and streamed.ready.outcome is Outcome.STREAMED
    calls = fake_ig.calls

    rejected = open_wsp(fake_ig).consume(run.platform_run_id, options, once=True, wait_s=60).ready
    assert rejected is not None and rejected.outcome is Outcome.REJECTED
    assert rejected.code == "WSP_FACTS_VIEW_MISMATCH" and rejected.message_id == run.message_id
    assert fake_ig.calls == calls  # nothing of the forgery reached IG
    families = _families(wsp_site, wsp_profile, run.platform_run_id)
    assert {"WSP_READY_SKIPPED", "WSP_READY_STREAMED", "WSP_READY_REJECTED"} <= families
    wsp = open_wsp(fake_ig)
    entry = wsp.state.consumed(run.message_id)
    assert entry is not None and entry.outcome is Outcome.STREAMED  # the forgery did not rewrite the set
