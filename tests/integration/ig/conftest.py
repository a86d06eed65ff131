"""Fixtures of the IG integration tests: real SeaweedFS + tansu + SQLite, IG as a real uvicorn subprocess.

IG runs through the real CLI (`fp ig serve`) in its own FP_HOME: the shared substrates' pins, a
`roles.json` whose `ig` entry is the operator's key pair (the shared substrates carry no per-role
posture; the role grants are bootstrap's and are tested there), and `service_tokens.json` written by
bootstrap's own `issue_service_tokens`. Each IG server is stopped by its PID at the end of the test.
Helpers shared with the test modules live in `ig_support.py`.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ig_process import start_ig_process
from ig_support import (
    ARRIVALS,
    BASELINE,
    IgServer,
    IgSite,
    ReadyRun,
    TopicReader,
    free_port,
    new_platform_run_id,
    random_hex,
)

from fraud_platform.bootstrap.service_tokens import issue_service_tokens
from fraud_platform.config import kafka_settings, load_profile
from fraud_platform.config.service_tokens import SERVICE_TOKENS_FILE
from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.eb.envelope import ROUTES
from fraud_platform.eb.topics import TOPICS
from fraud_platform.sr.messages import ControlKind, ControlMessage, OraclePackRef, ReadyPayload, WorldKey
from fraud_platform.substrate import factory
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import S3Location


@pytest.fixture(scope="session")
def ig_site(local_substrates: LocalSubstrates, tmp_path_factory: pytest.TempPathFactory) -> IgSite:
    home = tmp_path_factory.mktemp("ig_home")
    shutil.copy(local_substrates.fp_home / "local_pins.json", home / "local_pins.json")
    operator = {
        "access_key_id": local_substrates.operator.access_key_id,
        "secret_access_key": local_substrates.operator.secret_access_key,
    }
    (home / "credentials").mkdir()
    (home / "credentials" / "roles.json").write_text(json.dumps({"operator": operator, "ig": operator}))
    issue_service_tokens(home)
    env = {
        **local_substrates.env,
        "FP_HOME": str(home),
        "FP_LOCAL_STATE_DSN": f"sqlite:///{home / 'state' / 'authority.sqlite'}",
    }
    profile = load_profile("local_parity", env=env, fp_home=home)
    admin = factory.open_s3_admin(local_substrates.operator)
    admin.create_bucket_if_absent(profile.object_store.object_store_bucket)
    admin.create_bucket_if_absent(profile.object_store.evidence_bucket)
    factory.open_admin(kafka_settings(profile, "operator")).ensure_topics(TOPICS)
    return IgSite(
        substrates=local_substrates,
        home=home,
        env=env,
        store=factory.open_object_store(local_substrates.operator),
        bucket=profile.object_store.object_store_bucket,
        evidence_bucket=profile.object_store.evidence_bucket,
        tokens=json.loads((home / SERVICE_TOKENS_FILE).read_text()),
    )


@pytest.fixture
def start_ig(ig_site: IgSite, tmp_path: Path) -> Iterator[Callable[..., IgServer]]:
    """Starts IG servers (waiting for /healthz) and stops every one of them by PID at the end."""
    started: list[IgServer] = []

    def start(*args: str, env: dict[str, str] | None = None, wait_s: float = 30.0) -> IgServer:
        port = free_port()
        log = tmp_path / f"ig-{port}.log"
        process = start_ig_process(port, {**ig_site.env, **(env or {})}, log, *args, wait_s=wait_s)
        server = IgServer(process, f"http://127.0.0.1:{port}", log)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def ready_run(ig_site: IgSite) -> Callable[..., ReadyRun]:
    """Declares a fresh run READY (write-once ready_signal, as SR pins it)."""

    def make(intended: tuple[str, ...] = (BASELINE, ARRIVALS)) -> ReadyRun:
        world = WorldKey(
            manifest_fingerprint=random_hex(64),
            parameter_hash=random_hex(64),
            seed=42,
            scenario_id="baseline_v1",
        )
        run = ReadyRun(new_platform_run_id(), random_hex(32), world, intended)
        payload = ReadyPayload(
            platform_run_id=run.platform_run_id,
            scenario_run_id=run.scenario_run_id,
            run_config_digest=random_hex(64),
            bundle_hash=random_hex(64),
            facts_view_ref=f"s3://{ig_site.bucket}/fraud-platform/{run.platform_run_id}/sr/run_facts_view/{run.scenario_run_id}.json",
            world_key=world,
            oracle_pack_ref=OraclePackRef(
                oracle_pack_id=random_hex(64),
                pack_root=f"s3://{ig_site.bucket}/oracle-store/x/",
                stream_views={},
            ),
            intended_outputs=list(intended),
            emitted_at_utc="2026-01-01T00:00:00.000000Z",
        )
        message = ControlMessage(
            topic="fp.bus.control.v1",
            message_id=random_hex(64),
            published_at_utc="2026-01-01T00:00:00.000000Z",
            kind=ControlKind.READY,
            payload=payload,
        )
        location = S3Location(
            ig_site.bucket, f"fraud-platform/{run.platform_run_id}/sr/ready_signal/{run.scenario_run_id}.json"
        )
        ig_site.store.put_if_absent(location, canonical_file_bytes(message.model_dump(mode="json")))
        return run

    return make


@pytest.fixture(scope="session")
def topic_reader(ig_site: IgSite) -> Iterator[TopicReader]:
    profile = load_profile("local_parity", env=ig_site.env, fp_home=ig_site.home)
    topics = sorted({route.topic for route in ROUTES.values()})
    consumer = factory.open_consumer(kafka_settings(profile, "operator"), f"ig-it-{uuid.uuid4().hex}", topics)
    yield TopicReader(consumer)
    consumer.close()
