"""SR to READY on the real substrates: ledger, READY on Kafka (read back independently), re-emit rules."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from fraud_platform.config import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.sr import RunRequest, RunState, SrRuntime, ready_json_schema
from fraud_platform.sr.identity import scenario_run_id
from fraud_platform.substrate.objectstore.port import S3Location

SCENARIO = "baseline_v1"

pytestmark = pytest.mark.integration


@pytest.fixture
def pinned(make_profile: Callable[..., Profile], sealed_pack: str) -> Profile:
    return make_profile(root=sealed_pack, scenario=SCENARIO)


def _request(platform_run_id: str, key: str | None = None, **kwargs: object) -> RunRequest:
    return RunRequest(platform_run_id, key or f"it-{uuid.uuid4().hex}", **kwargs)  # type: ignore[arg-type]


def test_submit_reaches_ready_and_an_independent_consumer_reads_a_valid_ready(
    pinned: Profile,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    control_reader: Any,
    sr_site: Any,
) -> None:
    sr = open_sr(pinned)
    platform_run_id = new_run(pinned)
    outcome = sr.submit(_request(platform_run_id))
    assert outcome.ok and outcome.state is RunState.READY and outcome.published and outcome.leader
    assert outcome.message_id is not None and outcome.registered

    messages = control_reader.messages_for(platform_run_id, 1)
    assert len(messages) == 1
    message = messages[0]
    assert message.key == platform_run_id.encode()
    assert message.headers["message_id"] == outcome.message_id.encode()
    document = json.loads(message.value)
    jsonschema.validate(document, ready_json_schema())
    payload = document["payload"]
    assert document["kind"] == "READY" and document["message_id"] == outcome.message_id
    assert payload["platform_run_id"] == platform_run_id
    assert payload["scenario_run_id"] == outcome.scenario_run_id
    assert sorted(payload["oracle_pack_ref"]["stream_views"]) == payload["intended_outputs"]
    assert payload["facts_view_ref"] == outcome.refs["facts_view"]
    for ref in payload["oracle_pack_ref"]["stream_views"].values():
        # READY names the committed attempt: the receipt's bytes and the manifest it names, by SHA-256.
        receipt = sr_site.store.get(S3Location.parse(ref["receipt_uri"]))
        assert hashlib.sha256(receipt).hexdigest() == ref["receipt_sha256"]
        assert json.loads(receipt)["attempt_id"] == ref["attempt_id"]
        manifest = sr_site.store.get(S3Location.parse(ref["view_manifest_uri"]))
        assert hashlib.sha256(manifest).hexdigest() == ref["view_manifest_sha256"]
        assert f"/attempt={ref['attempt_id']}/" in ref["view_manifest_uri"]

    ledger = sr.runner.ledger(platform_run_id, outcome.scenario_run_id)
    signal = sr.store.get(ledger.ready_signal_location)
    assert signal == message.value + b"\n"
    view = ledger.read_facts_view()
    assert view is not None and view.message_id == outcome.message_id
    events = ledger.record_events()
    assert (
        events[:4] == ["SUBMITTED", "ACCEPTED", "PLANNED", "READY_COMMITTED"]
        and events[-1] == "READY_PUBLISHED"
    )

    facts = RunEvidence(pinned.object_store.evidence_bucket, platform_run_id).governance
    families = {info.key.split("/")[-2] for info in sr_site.store.list(facts)}
    assert {"SR_RUN_ACCEPTED", "SR_READY_COMMITTED", "SR_READY_PUBLISHED"} <= families


def test_duplicate_submit_returns_the_same_ready_and_publishes_nothing_new(
    pinned: Profile,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    control_reader: Any,
) -> None:
    sr = open_sr(pinned)
    platform_run_id = new_run(pinned)
    key = f"dup-{uuid.uuid4().hex}"
    first = sr.submit(_request(platform_run_id, key))
    plan_location = sr.runner.ledger(platform_run_id, first.scenario_run_id).plan_location
    plan_before = sr.store.get(plan_location)
    second = open_sr(pinned).submit(_request(platform_run_id, key, scenario_id=SCENARIO))
    assert second.ok and second.message_id == first.message_id
    assert not second.leader and not second.registered
    assert sr.store.get(plan_location) == plan_before
    assert len(control_reader.messages_for(platform_run_id, 1)) == 1


def test_reemit_publishes_the_identical_message_for_its_own_run_only(
    pinned: Profile,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    control_reader: Any,
) -> None:
    sr = open_sr(pinned)
    platform_run_id = new_run(pinned)
    ready = sr.submit(_request(platform_run_id))
    again = sr.reemit(ready.scenario_run_id, platform_run_id=platform_run_id, kind="READY")
    assert again.ok and again.message_id == ready.message_id
    messages = control_reader.messages_for(platform_run_id, 2)
    assert len(messages) == 2 and messages[0].value == messages[1].value

    other_run = new_run(pinned)
    with pytest.raises(FailClosed) as cross:
        sr.reemit(ready.scenario_run_id, platform_run_id=other_run)
    assert cross.value.code == "CROSS_RUN_REEMIT_REFUSED"
    with pytest.raises(FailClosed) as stale:
        sr.reemit(uuid.uuid4().hex, platform_run_id=platform_run_id)
    assert stale.value.code == "SR_RUN_UNKNOWN"
    with pytest.raises(FailClosed) as kind:
        sr.reemit(ready.scenario_run_id, kind="READY_REEMIT")
    assert kind.value.code == "REEMIT_KIND_UNSUPPORTED"
    assert control_reader.messages_for(other_run, 0) == []
    assert len(control_reader.messages_for(platform_run_id, 2)) == 2
    records = sr.status(ready.scenario_run_id).records
    assert [r.event for r in records].count("READY_REEMITTED") == 1


def test_a_closed_platform_run_is_stale_for_submit_and_reemit(
    pinned: Profile,
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
    sr_site: Any,
) -> None:
    sr = open_sr(pinned)
    platform_run_id = new_run(pinned)
    ready = sr.submit(_request(platform_run_id))
    run = RunEvidence(pinned.object_store.evidence_bucket, platform_run_id)
    sr_site.store.put_if_absent(run.prefix.child("run_completed.json"), b'{"closed":true}\n')
    with pytest.raises(FailClosed) as reemit:
        sr.reemit(ready.scenario_run_id)
    assert reemit.value.code == "PLATFORM_RUN_STALE"
    with pytest.raises(FailClosed) as submit:
        sr.submit(_request(platform_run_id))
    assert submit.value.code == "PLATFORM_RUN_STALE"


def test_a_key_belongs_to_one_platform_run_and_one_intent(
    pinned: Profile, open_sr: Callable[..., SrRuntime], new_run: Callable[[Profile], str]
) -> None:
    sr = open_sr(pinned)
    platform_run_id = new_run(pinned)
    key = f"owned-{uuid.uuid4().hex}"
    sr.submit(_request(platform_run_id, key))
    with pytest.raises(FailClosed) as other_run:
        sr.submit(_request(new_run(pinned), key))
    assert other_run.value.code == "PLATFORM_RUN_MISMATCH"
    with pytest.raises(FailClosed) as collision:
        sr.submit(_request(platform_run_id, key, outputs=("arrival_events_5B",)))
    assert collision.value.code == "EQUIV_KEY_COLLISION"
    with pytest.raises(FailClosed) as status_elsewhere:
        sr.status(scenario_run_id(key), platform_run_id=new_run(pinned))
    assert status_elsewhere.value.code == "PLATFORM_RUN_MISMATCH"


def test_an_unknown_platform_run_is_refused_before_anything_is_written(
    pinned: Profile, open_sr: Callable[..., SrRuntime], sr_site: Any
) -> None:
    never_minted = "platform_19990101T000000Z"
    with pytest.raises(FailClosed) as caught:
        open_sr(pinned).submit(_request(never_minted))
    assert caught.value.code == "PLATFORM_RUN_UNKNOWN"
    prefix = S3Location(sr_site.object_store_bucket, f"fraud-platform/{never_minted}/")
    assert list(sr_site.store.list(prefix)) == []
