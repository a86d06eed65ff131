"""SR under its own least-privilege role on bootstrapped substrates (the posture production has)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.pointer import read_pointer
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.sr import AuthorityStore, RunRequest, RunState, ScenarioRunner
from fraud_platform.substrate import factory
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"


def test_the_sr_role_can_read_the_oracle_pointer(bootstrapped: BootstrappedSubstrates) -> None:
    store = factory.open_object_store(bootstrapped.credentials["sr"])
    read_pointer(store, bootstrapped.profile.object_store.object_store_bucket, "local_parity")


def test_sr_role_drives_a_run_to_ready_with_only_its_grants(
    bootstrapped: BootstrappedSubstrates, sr_world: Any
) -> None:
    creds = bootstrapped.credentials
    bucket = bootstrapped.profile.object_store.object_store_bucket
    lander = factory.open_object_store(creds["oracle_lander"])
    root = PackRoot.parse(f"s3://{bucket}/oracle-store/local_parity/sr-role-{uuid.uuid4().hex[:8]}/")
    land_world(LocalFolderSource(sr_world.root), lander, root)
    assert seal_pack(lander, root, SCENARIO, ArrowS3TailReader(creds["oracle_lander"])).ok
    sort_stream_views(
        factory.open_object_store(creds["oracle_sorter"]), creds["oracle_sorter"], root, SCENARIO
    )

    document = raw_profile("local_parity")
    document["oracle"] = {**document["oracle"], "engine_run_root": root.uri, "scenario_id": SCENARIO}
    profile = profile_from_document(
        document, name="local_parity", env=bootstrapped.env, fp_home=bootstrapped.fp_home
    )
    operator = factory.open_object_store(bootstrapped.operator)
    platform_run_id = mint_run(
        operator, profile.object_store.evidence_bucket, profile, clock=SystemClock(), git_revision=None
    ).platform_run_id

    store = factory.open_object_store(creds["sr"])
    producer = factory.open_producer(kafka_settings(profile, "sr"))
    engine = factory.open_state_engine(profile.state.dsn.get_secret_value())
    try:
        # The pins are explicit here, so the run does not depend on a pointer having been set.
        runner = ScenarioRunner(profile, store, producer, AuthorityStore(engine), pointer=lambda: None)
        outcome = runner.submit(RunRequest(platform_run_id, f"role-{uuid.uuid4().hex}"))
    finally:
        producer.close()
        engine.dispose()
    assert outcome.ok and outcome.state is RunState.READY and outcome.published
    ledger = S3Location(bucket, f"fraud-platform/{platform_run_id}/sr/")
    assert any(info.key.endswith(".json") for info in operator.list(ledger))
