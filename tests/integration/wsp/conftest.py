"""Fixtures of the WSP integration tests: real SeaweedFS + tansu + SQLite, a real SR READY.

The WSP tests use the shipped profile's bucket names (so that `fp ig serve`, which loads the profile by
name, reads the same facts views) with a pack under a namespace of their own, and mint a fresh platform
run per test, so their consumer group (`fp.operator.run.{platform_run_id}`: WSP runs as operator),
checkpoints and evidence are theirs alone. One small synthetic world is landed, sealed and sorted once
per session; SR runs with the operator's credentials (the shared substrates carry no per-role posture),
and so does WSP. IG is reached through an `httpx.MockTransport` fake (IG is not one of our substrates)
until the real `fp ig serve` exists.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from wsp_support import OUTPUTS, SCENARIO, build_pack, profile_document

from fraud_platform.config import Profile, kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.topics import TOPICS
from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.sr import RunRequest, SrRuntime
from fraud_platform.substrate import factory
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore
from fraud_platform.wsp import RetryPolicy, WspRuntime


@dataclass(frozen=True)
class WspSite:
    substrates: LocalSubstrates
    object_store_bucket: str
    evidence_bucket: str
    store: ObjectStore
    sqlite_dsn: str
    pack_root: str
    world: WorldInfo


def _profile(site_bits: dict[str, str], substrates: LocalSubstrates) -> Profile:
    return profile_from_document(
        profile_document(site_bits), name="local_parity", env=substrates.env, fp_home=substrates.fp_home
    )


@pytest.fixture(scope="session")
def wsp_site(local_substrates: LocalSubstrates, tmp_path_factory: pytest.TempPathFactory) -> WspSite:
    shipped = raw_profile("local_parity")["object_store"]
    bits = {
        "os": shipped["object_store_bucket"],
        "ev": shipped["evidence_bucket"],
        "dsn": f"sqlite:///{tmp_path_factory.mktemp('wsp_state') / 'authority.sqlite'}",
    }
    admin = factory.open_s3_admin(local_substrates.operator)
    admin.create_bucket_if_absent(bits["os"])
    admin.create_bucket_if_absent(bits["ev"])
    store = factory.open_object_store(local_substrates.operator)
    base = _profile(bits, local_substrates)
    factory.open_admin(kafka_settings(base, "operator")).ensure_topics(TOPICS)
    world: WorldInfo = synthesize_world(tmp_path_factory.mktemp("wsp_world"), 11, SCENARIO, 60)
    root = build_pack(local_substrates, store, world, bits["os"], f"wsp-{uuid.uuid4().hex[:8]}")
    return WspSite(local_substrates, bits["os"], bits["ev"], store, bits["dsn"], root.uri, world)


def site_bits(wsp_site: WspSite) -> dict[str, str]:
    return {
        "os": wsp_site.object_store_bucket,
        "ev": wsp_site.evidence_bucket,
        "dsn": wsp_site.sqlite_dsn,
        "root": wsp_site.pack_root,
    }


@pytest.fixture
def wsp_document(wsp_site: WspSite) -> dict[str, Any]:
    return profile_document(site_bits(wsp_site))


@pytest.fixture
def wsp_profile(wsp_site: WspSite) -> Profile:
    return _profile(site_bits(wsp_site), wsp_site.substrates)


@dataclass
class FakeIg:
    """IG's batch endpoint as a fake: ADMIT new event ids, DUPLICATE known ones."""

    admitted: dict[str, list[str]] = field(default_factory=dict)
    calls: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        decisions = []
        for event in json.loads(request.content)["events"]:
            seen = self.admitted.setdefault(event["event_type"], [])
            duplicate = event["event_id"] in seen
            if not duplicate:
                seen.append(event["event_id"])
            decisions.append(
                {
                    "event_id": event["event_id"],
                    "decision": "DUPLICATE" if duplicate else "ADMIT",
                    "reason_code": None,
                    "receipt_id": uuid.uuid4().hex,
                    "eb_ref": None,
                }
            )
        return httpx.Response(200, json={"batch_id": uuid.uuid4().hex, "decisions": decisions})


@dataclass
class ReadyRun:
    """A platform run with a READY published for it by the real SR."""

    platform_run_id: str
    scenario_run_id: str
    message_id: str
    sr: SrRuntime


@pytest.fixture
def ready_run(wsp_profile: Profile, wsp_site: WspSite) -> Iterator[Callable[..., ReadyRun]]:
    opened: list[SrRuntime] = []

    def build(publish: bool = True) -> ReadyRun:
        manifest = mint_run(
            wsp_site.store,
            wsp_profile.object_store.evidence_bucket,
            wsp_profile,
            clock=SystemClock(),
            git_revision=None,
        )
        sr = SrRuntime.open(wsp_profile, role="operator")
        opened.append(sr)
        outcome = sr.submit(
            RunRequest(manifest.platform_run_id, f"wsp-it-{uuid.uuid4().hex}", outputs=tuple(OUTPUTS))
        )
        assert outcome.ok and outcome.published and outcome.message_id is not None, outcome.to_json()
        return ReadyRun(manifest.platform_run_id, outcome.scenario_run_id, outcome.message_id, sr)

    yield build
    for sr in opened:
        sr.close()


@pytest.fixture
def open_wsp(wsp_profile: Profile, tmp_path: Path) -> Iterator[Callable[..., WspRuntime]]:
    opened: list[WspRuntime] = []

    def build(ig: Callable[[httpx.Request], httpx.Response]) -> WspRuntime:
        runtime = WspRuntime.open(
            wsp_profile,
            "wsp-it-token-0123456789",
            role="operator",
            transport=httpx.MockTransport(ig),
            policy=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05),
        )
        opened.append(runtime)
        return runtime

    yield build
    for runtime in opened:
        runtime.close()


@pytest.fixture
def fake_ig() -> FakeIg:
    return FakeIg()
