"""SR under its own least-privilege role on bootstrapped substrates (the posture production has)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.time import SystemClock
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, OracleRuntime, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.pointer import pointer_location, read_pointer, set_pointer
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.sr import AuthorityStore, RunRequest, RunState, ScenarioRunner
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.substrate import factory
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"


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
    # Every ledger document the run needs was written by the sr role (read back with the operator's).
    ledger = SrLedger(operator, bucket, platform_run_id, outcome.scenario_run_id)
    plan = ledger.read_plan()
    status = ledger.read_status()
    view = ledger.read_facts_view()
    signal = ledger.read_ready_signal()
    assert plan is not None and plan.oracle.pack_root == root.uri
    assert status is not None and status[0].state is RunState.READY
    assert view is not None and view.message_id == outcome.message_id == status[0].message_id
    assert signal is not None and json.loads(signal)["message_id"] == outcome.message_id
    assert ledger.record_events()[-1] == "READY_PUBLISHED"

    # The lander moves a pointer through the real consumer check; SR reads it but cannot move it.
    lander_runtime = OracleRuntime.open("local_parity", env=bootstrapped.env)
    pointer_name = f"it_sr_{uuid.uuid4().hex[:10]}"  # the shared local_parity pointer is left alone
    assert read_pointer(store, bucket, pointer_name) is None
    set_pointer(lander, bucket, pointer_name, root.uri, SCENARIO, lander_runtime.checked_pack_id)
    seen = read_pointer(store, bucket, pointer_name)
    assert seen is not None and seen[0].pack_root == root.uri and seen[0].scenario_id == SCENARIO
    with pytest.raises(PlatformError) as refused:
        store.put_if_match(pointer_location(bucket, pointer_name), b"{}", seen[1])
    assert refused.value.code == OBJECT_ACCESS_DENIED
    with pytest.raises(PlatformError) as refused:  # nor write Oracle truth
        store.put_if_absent(root.child("sr-probe.json"), b"{}", content_type="application/json")
    assert refused.value.code == OBJECT_ACCESS_DENIED
    assert read_pointer(operator, bucket, pointer_name) == seen
