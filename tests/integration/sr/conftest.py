"""Fixtures of the SR integration tests: real SeaweedFS + tansu + SQLite/PostgreSQL, one small world.

Isolation: SR tests use their own object-store and evidence buckets (so their Oracle pointer, packs,
runs and ledgers are theirs alone on the shared session substrates) and mint a fresh platform run per
test. One synthetic world (`--flows 200`) is landed, sealed and sorted once per session and shared
read-only; tests that need a damaged or incomplete pack land the same world under another root.
SR runs with the operator's credentials here (the shared substrates carry no per-role posture).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from fraud_platform.config import Profile, kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.eb.topics import CONTROL_TOPIC, TOPICS
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.sr import SrRuntime
from fraud_platform.sr.runner import FaultHook
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus.port import BusConsumer, BusMessage
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore

SCENARIO = "baseline_v1"
POSTGRES_DSN = os.environ.get("FP_TEST_POSTGRES_DSN")
STATE_BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class SrSite:
    """Where the SR tests live on the shared substrates."""

    substrates: LocalSubstrates
    object_store_bucket: str
    evidence_bucket: str
    store: ObjectStore
    sqlite_dsn: str


@pytest.fixture(scope="session")
def sr_site(local_substrates: LocalSubstrates, tmp_path_factory: pytest.TempPathFactory) -> SrSite:
    suffix = uuid.uuid4().hex[:10]
    site = SrSite(
        substrates=local_substrates,
        object_store_bucket=f"sr-it-os-{suffix}",
        evidence_bucket=f"sr-it-ev-{suffix}",
        store=factory.open_object_store(local_substrates.operator),
        sqlite_dsn=f"sqlite:///{tmp_path_factory.mktemp('sr_state') / 'authority.sqlite'}",
    )
    admin = factory.open_s3_admin(local_substrates.operator)
    admin.create_bucket_if_absent(site.object_store_bucket)
    admin.create_bucket_if_absent(site.evidence_bucket)
    base = build_profile(site)
    factory.open_admin(kafka_settings(base, "operator")).ensure_topics(TOPICS)
    return site


def build_profile(
    site: SrSite,
    *,
    root: str | None = None,
    scenario: str | None = None,
    dsn: str | None = None,
    deadline_s: int = 300,
) -> Profile:
    """The local_parity profile on the SR buckets, with Oracle pins and a state DSN of the test's choice."""
    document = raw_profile("local_parity")
    document["object_store"] = {
        **document["object_store"],
        "object_store_bucket": site.object_store_bucket,
        "evidence_bucket": site.evidence_bucket,
    }
    document["oracle"] = {**document["oracle"], "engine_run_root": root, "scenario_id": scenario}
    document["state"] = {"dsn": dsn or site.sqlite_dsn}
    document["budgets"] = {**document["budgets"], "sr_evidence_deadline_s": deadline_s}
    return profile_from_document(
        document, name="local_parity", env=site.substrates.env, fp_home=site.substrates.fp_home
    )


@pytest.fixture(scope="session")
def sr_world(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    """A sealed synthetic world (`--flows 200`, ~100 files), shared read-only."""
    return synthesize_world(tmp_path_factory.mktemp("sr_worlds"), 42, SCENARIO, 200)


def land_and_seal(site: SrSite, world: WorldInfo, namespace: str) -> PackRoot:
    """Land the world under `oracle-store/{namespace}/{engine_run_id}/` and seal it for SCENARIO."""
    root = PackRoot.parse(f"s3://{site.object_store_bucket}/oracle-store/{namespace}/{world.engine_run_id}/")
    land_world(LocalFolderSource(world.root), site.store, root)
    report = seal_pack(site.store, root, SCENARIO, ArrowS3TailReader(site.substrates.operator))
    assert report.ok, report.to_json()
    return root


def sort_outputs(site: SrSite, root: PackRoot, outputs: list[str]) -> None:
    """Build the stream views of `outputs` through the Oracle's sort API."""
    from fraud_platform.oracle.sort import sort_stream_views

    sort_stream_views(site.store, site.substrates.operator, root, SCENARIO, outputs=outputs)


@pytest.fixture(scope="session")
def sealed_pack(sr_site: SrSite, sr_world: WorldInfo) -> str:
    """The shared pack: landed, sealed, every default stream output sorted. Never damaged."""
    root = land_and_seal(sr_site, sr_world, "local_parity")
    sort_outputs(sr_site, root, list(load_catalogue().default_stream_outputs))
    return root.uri


@pytest.fixture
def make_profile(sr_site: SrSite) -> Callable[..., Profile]:
    def build(**kwargs: Any) -> Profile:
        return build_profile(sr_site, **kwargs)

    return build


@pytest.fixture
def open_sr() -> Iterator[Callable[..., SrRuntime]]:
    """Opens SR runtimes (operator role) and closes every one of them at the end of the test."""
    opened: list[SrRuntime] = []

    def build(
        profile: Profile,
        *,
        clock: Clock | None = None,
        faults: FaultHook | None = None,
        lease_s: float = 30.0,
    ) -> SrRuntime:
        runtime = SrRuntime.open(profile, role="operator", clock=clock, faults=faults, lease_s=lease_s)
        opened.append(runtime)
        return runtime

    yield build
    for runtime in opened:
        runtime.close()


@pytest.fixture
def new_run(sr_site: SrSite) -> Callable[[Profile], str]:
    """Mints a fresh platform run (write-once run.json) in the SR evidence bucket."""

    def mint(profile: Profile) -> str:
        manifest = mint_run(
            sr_site.store,
            profile.object_store.evidence_bucket,
            profile,
            clock=SystemClock(),
            git_revision=None,
        )
        return manifest.platform_run_id

    return mint


def state_dsn(backend: str, site: SrSite) -> str:
    if backend == "sqlite":
        return site.sqlite_dsn
    if not POSTGRES_DSN:
        pytest.skip("FP_TEST_POSTGRES_DSN is not set")
    return POSTGRES_DSN


@dataclass
class ControlReader:
    """An independent consumer of the control topic (fresh group, earliest), shared by a session.

    It never reads high watermarks: it polls until the expected messages for a key arrived, then keeps
    polling until the topic has been idle for `settle_s`, so an unexpected extra copy would be seen.
    """

    consumer: BusConsumer
    seen: dict[bytes, list[BusMessage]] = field(default_factory=dict)

    def _pump(self, timeout_s: float) -> bool:
        message = self.consumer.poll(timeout_s)
        if message is None:
            return False
        self.seen.setdefault(message.key or b"", []).append(message)
        return True

    def messages_for(
        self, platform_run_id: str, expect: int, *, deadline_s: float = 45.0, settle_s: float = 1.5
    ) -> list[BusMessage]:
        key = platform_run_id.encode("ascii")
        deadline = time.monotonic() + deadline_s
        while len(self.seen.get(key, [])) < expect and time.monotonic() < deadline:
            self._pump(0.5)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < settle_s and time.monotonic() < deadline:
            if self._pump(0.25):
                idle_since = time.monotonic()
        return list(self.seen.get(key, []))


@pytest.fixture(scope="session")
def control_reader(sr_site: SrSite) -> Iterator[ControlReader]:
    profile = build_profile(sr_site)
    consumer = factory.open_consumer(
        kafka_settings(profile, "reporter"), f"sr-it-{uuid.uuid4().hex}", [CONTROL_TOPIC]
    )
    yield ControlReader(consumer)
    consumer.close()


@pytest.fixture(scope="session")
def pack_builder(sr_site: SrSite, sr_world: WorldInfo) -> Callable[..., PackRoot]:
    """Lands and seals the shared world under a fresh namespace (optionally sorting some outputs)."""

    def build(outputs: list[str] | None = None) -> PackRoot:
        root = land_and_seal(sr_site, sr_world, f"sr-{uuid.uuid4().hex[:12]}")
        if outputs:
            sort_outputs(sr_site, root, outputs)
        return root

    return build


@pytest.fixture
def sort_views(sr_site: SrSite) -> Callable[[PackRoot, list[str]], None]:
    def run(root: PackRoot, outputs: list[str]) -> None:
        sort_outputs(sr_site, root, outputs)

    return run


@pytest.fixture(params=STATE_BACKENDS)
def backend_dsn(request: pytest.FixtureRequest, sr_site: SrSite) -> str:
    """The SQLite state store always, PostgreSQL when FP_TEST_POSTGRES_DSN is set."""
    return state_dsn(str(request.param), sr_site)


@pytest.fixture(scope="session")
def pointer_site(sr_site: SrSite, sr_world: WorldInfo) -> tuple[SrSite, PackRoot]:
    """A second object-store bucket whose local_parity Oracle pointer names a sealed pack in it.

    Kept apart from `sr_site` because a pointer applies to every run of its bucket and profile: the
    other tests pin roots that would (rightly) contradict it.
    """
    from dataclasses import replace

    from fraud_platform.oracle.pointer import set_pointer

    site = replace(sr_site, object_store_bucket=f"sr-it-ptr-{uuid.uuid4().hex[:10]}")
    factory.open_s3_admin(site.substrates.operator).create_bucket_if_absent(site.object_store_bucket)
    root = land_and_seal(site, sr_world, "local_parity")
    seal = seal_pack(site.store, root, SCENARIO, ArrowS3TailReader(site.substrates.operator)).seal
    set_pointer(
        site.store,
        site.object_store_bucket,
        "local_parity",
        root.uri,
        SCENARIO,
        lambda _r, _s: seal.oracle_pack_id,
    )
    return site, root


@pytest.fixture
def pointer_profile(pointer_site: tuple[SrSite, PackRoot]) -> Callable[..., Profile]:
    def build(**kwargs: Any) -> Profile:
        return build_profile(pointer_site[0], **kwargs)

    return build
