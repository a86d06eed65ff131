"""Exactly once in effect: two IG instances racing on one batch, and an IG killed between publish and ADMITTED."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from ig_support import IgSite, TopicReader, post_batch

from fraud_platform.substrate import factory
from fraud_platform.substrate.state.ig_tables import events_by_id

pytestmark = pytest.mark.integration


_POSTGRES_DSN = os.environ.get("FP_TEST_POSTGRES_DSN")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_instances_racing_on_one_batch(
    backend: str, ig_site: IgSite, start_ig, ready_run, topic_reader: TopicReader
) -> None:
    """Both instances share one state store: SQLite (one host) or PostgreSQL (how dev_min scales IG out)."""
    env: dict[str, str] = {}
    if backend == "postgresql":
        if not _POSTGRES_DSN:
            pytest.skip("FP_TEST_POSTGRES_DSN is not set")
        env = {"FP_LOCAL_STATE_DSN": _POSTGRES_DSN}
    first, second = start_ig(env=env), start_ig(env=env)
    for server in (first, second):  # both really on the backend under test (tables created there)
        assert httpx.get(f"{server.url}/readyz", timeout=30).status_code == 200
    run = ready_run()
    events = [run.baseline(flow) for flow in range(30)]
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    def send(url: str) -> None:
        barrier.wait()
        answers.append(post_batch(url, ig_site.wsp_token, events))

    threads = [threading.Thread(target=send, args=(server.url,)) for server in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
    for position, event in enumerate(events):
        pair = [answer.json()["decisions"][position] for answer in answers]
        assert sorted(d["decision"] for d in pair) == ["ADMIT", "DUPLICATE"], pair
        assert pair[0]["eb_ref"] == pair[1]["eb_ref"]
        assert pair[0]["event_id"] == event["event_id"]
    records = topic_reader.records_for(run.platform_run_id, 30)
    assert Counter(m.headers["event_id"].decode() for m in records) == Counter(e["event_id"] for e in events)
    if backend == "postgresql":  # the admissions really live in PostgreSQL
        engine = factory.open_state_engine(env["FP_LOCAL_STATE_DSN"])
        try:
            rows = events_by_id(engine, run.platform_run_id, events[0]["event_id"])
        finally:
            engine.dispose()
        assert [row["state"] for row in rows] == ["ADMITTED"]


def test_ig_killed_between_publish_and_admitted(
    ig_site: IgSite, start_ig, ready_run, topic_reader: TopicReader
) -> None:
    run = ready_run()
    events = [run.baseline(flow) for flow in range(12)]
    doomed = start_ig("--claim-ttl-s", "12", env={"FP_TEST_IG_PAUSE_AT": "after_publish:120"})
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = post_batch(doomed.url, ig_site.wsp_token, events, timeout=120)
        except httpx.TransportError as error:
            outcome["error"] = error

    sender = threading.Thread(target=send)
    sender.start()
    # The records are on the topic while IG sleeps before marking them ADMITTED: kill it there.
    landed = topic_reader.records_for(run.platform_run_id, 12, settle_s=0.5)
    assert len(landed) == 12
    doomed.kill()
    sender.join(30)
    assert "error" in outcome  # the client never got an answer

    survivor = start_ig("--claim-ttl-s", "12")
    started = time.monotonic()
    answer = post_batch(survivor.url, ig_site.wsp_token, events, timeout=120)
    assert answer.status_code == 200, answer.text
    decisions = answer.json()["decisions"]
    assert [d["decision"] for d in decisions] == ["ADMIT"] * 12
    assert time.monotonic() - started < 60
    records = topic_reader.records_for(run.platform_run_id, 12)
    assert len(records) == 12  # reconciled against the topic: nothing published twice
    offsets = {m.headers["event_id"].decode(): (m.partition, m.offset) for m in records}
    for event, decision in zip(events, decisions, strict=True):
        assert offsets[event["event_id"]] == (decision["eb_ref"]["partition"], decision["eb_ref"]["offset"])
    again = post_batch(survivor.url, ig_site.wsp_token, events)
    assert [d["decision"] for d in again.json()["decisions"]] == ["DUPLICATE"] * 12


def test_ig_killed_after_claim_before_publish(
    ig_site: IgSite, start_ig, ready_run, topic_reader: TopicReader
) -> None:
    run = ready_run()
    events = [run.baseline(flow) for flow in range(8)]
    doomed = start_ig("--claim-ttl-s", "12", env={"FP_TEST_IG_PAUSE_AT": "before_publish:120"})
    sender = threading.Thread(
        target=lambda: _swallow(lambda: post_batch(doomed.url, ig_site.wsp_token, events, timeout=120))
    )
    sender.start()
    headers = {"Authorization": f"Bearer {ig_site.wsp_token}"}
    deadline = time.monotonic() + 30
    state = None
    while state != "IN_FLIGHT" and time.monotonic() < deadline:
        found = httpx.get(
            f"{doomed.url}/v1/events/{events[-1]['event_id']}",
            params={"platform_run_id": run.platform_run_id},
            headers=headers,
            timeout=10,
        )
        state = found.json()["admissions"][0]["state"] if found.status_code == 200 else None
        time.sleep(0.2)
    assert state == "IN_FLIGHT"
    doomed.kill()
    sender.join(30)

    survivor = start_ig("--claim-ttl-s", "12")
    answer = post_batch(survivor.url, ig_site.wsp_token, events, timeout=120)
    assert answer.status_code == 200, answer.text
    assert [d["decision"] for d in answer.json()["decisions"]] == ["ADMIT"] * 8
    records = topic_reader.records_for(run.platform_run_id, 8)
    assert Counter(m.headers["event_id"].decode() for m in records) == Counter(e["event_id"] for e in events)


def _swallow(call: Any) -> None:
    try:
        call()
    except httpx.TransportError:
        return


def test_two_workers_share_the_port_and_the_dedupe_state(
    ig_site: IgSite, start_ig, ready_run, topic_reader: TopicReader
) -> None:
    server = start_ig("--workers", "2")
    pid = server.process.pid
    children = [
        child
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    assert len(children) == 2  # the two workers (multiprocessing's resource tracker is not one)
    run = ready_run()
    events = [run.baseline(flow) for flow in range(10)]
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        barrier.wait()
        answers.append(post_batch(server.url, ig_site.wsp_token, events))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert [answer.status_code for answer in answers] == [200, 200]
    for position in range(len(events)):
        pair = sorted(answer.json()["decisions"][position]["decision"] for answer in answers)
        assert pair == ["ADMIT", "DUPLICATE"]
    assert len(topic_reader.records_for(run.platform_run_id, 10)) == 10
    server.stop()
    assert not any(Path(f"/proc/{child}").exists() for child in children)
