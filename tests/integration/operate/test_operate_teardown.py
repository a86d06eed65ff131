"""`fp run teardown` on a real lane run: dry run, teardown, verify and pack check after, convergence.

One small lane run (cap 20) on the bootstrapped substrates; its transient data is read from the
substrates themselves (objects under `fraud-platform/{run}/`, state rows, WSP's consumer group)
before and after each command, never from the command's own output alone. A group under the legacy
name `fp-wsp-{run}` (runs streamed before groups were named per role) is planted too: teardown must
find and delete it alongside the run's `fp.wsp.run.{run}`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from lane_support import SCENARIO, fp_json, point_at_small_world

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import kafka_settings, load_profile
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.operate._reasons import TEARDOWN_RUN_UNFINISHED, TEARDOWN_TOPIC_RETAINED
from fraud_platform.operate.teardown import PLAN, PROOF
from fraud_platform.substrate.bus.groups import KafkaGroupAdmin
from fraud_platform.substrate.bus.port import KafkaSettings
from fraud_platform.substrate.factory import open_consumer, open_object_store, open_state_engine
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.state.run_rows import count_run_rows
from fraud_platform.wsp.consume import group_id_for, legacy_group_id_for

pytestmark = pytest.mark.integration

_CAP = 20


@dataclass(frozen=True)
class _Lane:
    env: dict[str, str]
    pack_root: str
    run_id: str
    store: ObjectStore
    object_bucket: str
    evidence: RunEvidence
    groups: KafkaGroupAdmin
    kafka: KafkaSettings
    dsn: str

    def keys(self) -> list[str]:
        return [
            i.key for i in self.store.list(S3Location(self.object_bucket, f"fraud-platform/{self.run_id}/"))
        ]

    def rows(self) -> dict[str, int]:
        engine = open_state_engine(self.dsn)
        try:
            return count_run_rows(engine, self.run_id)
        finally:
            engine.dispose()

    def plant_legacy_group(self) -> str:
        """Commit one control record in `fp-wsp-{run}`, as a run streamed before the rename left it."""
        group = legacy_group_id_for(self.run_id)
        consumer = open_consumer(self.kafka, group, [CONTROL_TOPIC])
        try:
            deadline = time.monotonic() + 30.0
            while (message := consumer.poll(1.0)) is None:
                assert time.monotonic() < deadline, "no record on the control topic within 30 s"
            consumer.commit(message)
        finally:
            consumer.close()
        return group


@pytest.fixture(scope="module")
def lane(bootstrapped: BootstrappedSubstrates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Lane]:
    env, root = point_at_small_world(bootstrapped, tmp_path_factory.mktemp("teardown_world"))
    code, result, output = fp_json(env, "run", "lane", "--events-per-output", str(_CAP))
    assert code == 0 and result["verdict"] == "PASS", output[-4000:]
    profile = load_profile("local_parity", env=env, fp_home=bootstrapped.fp_home)
    yield _Lane(
        env=env,
        pack_root=root,
        run_id=result["platform_run_id"],
        store=open_object_store(bootstrapped.credentials["operator"]),
        object_bucket=profile.object_store.object_store_bucket,
        evidence=RunEvidence(profile.object_store.evidence_bucket, result["platform_run_id"]),
        groups=KafkaGroupAdmin(kafka_settings(profile, "operator")),
        kafka=kafka_settings(profile, "operator"),
        dsn=profile.state.dsn.get_secret_value(),
    )


def test_teardown_removes_transient_data_keeps_truth_and_the_run_still_verifies(lane: _Lane) -> None:
    keys, rows = lane.keys(), lane.rows()
    receipts = [key for key in keys if "/ig/receipts/" in key]
    transient = [key for key in keys if "/ig/receipts/" not in key]
    assert transient and receipts and rows["wsp_checkpoint_v1"] > 0 and rows["ig_admission_v1"] > 0
    assert group_id_for(lane.run_id) in lane.groups.list_groups()
    legacy = lane.plant_legacy_group()
    assert legacy in lane.groups.list_groups()

    code, planned, output = fp_json(lane.env, "run", "teardown", "--run", lane.run_id, "--dry-run")
    assert code == 0 and planned["ok"] and planned["dry_run"] and planned["proof"] is None, output[-3000:]
    assert planned["removed"]["objects"] == len(transient) and planned["removed"]["state_rows"] == rows
    assert planned["removed"]["consumer_groups"] == sorted([group_id_for(lane.run_id), legacy])
    assert (
        lane.keys() == keys and lane.rows() == rows and group_id_for(lane.run_id) in lane.groups.list_groups()
    )
    assert lane.store.head(lane.evidence.prefix.child(PROOF)) is None
    assert lane.store.head(lane.evidence.prefix.child(PLAN)) is None

    code, done, output = fp_json(lane.env, "run", "teardown", "--run", lane.run_id)
    assert code == 0 and done["ok"] and not done["converged"], output[-3000:]
    assert done["proof"] == lane.evidence.prefix.child(PROOF).uri
    assert done["removed"] == planned["removed"]
    assert lane.keys() == receipts
    assert set(lane.rows().values()) == {0}
    assert {group_id_for(lane.run_id), legacy}.isdisjoint(lane.groups.list_groups())

    proof = parse_json_bytes(lane.store.get(lane.evidence.prefix.child(PROOF)))
    persists = {item["name"]: item for item in proof["persists"]}
    assert persists["oracle_pack"]["uri"].rstrip("/") == lane.pack_root.rstrip("/")
    assert persists["oracle_pack"]["bytes"] > 0 and persists["evidence"]["objects"] >= 9
    assert sum(item["bytes"] for item in proof["persists"]) == proof["storage_cost"]["stored_bytes"]
    assert proof["storage_cost"]["monthly_cost_usd"] == "0.000000"  # local_parity prices are zero
    assert proof["after"] == {"objects": 0, "state_rows": 0, "consumer_groups": []}
    assert any(s["code"] == TEARDOWN_TOPIC_RETAINED for s in proof["skipped"])

    code, verified, output = fp_json(lane.env, "run", "verify", lane.run_id)
    assert code == 0 and verified["verdict"] == "PASS", output[-3000:]
    code, checked, output = fp_json(
        lane.env, "oracle", "check", "--root", lane.pack_root, "--scenario-id", SCENARIO
    )
    assert code == 0 and checked["ok"], output[-3000:]

    stored = lane.store.get(lane.evidence.prefix.child(PROOF))
    code, again, output = fp_json(lane.env, "run", "teardown", "--run", lane.run_id)
    assert code == 0 and again["converged"] and again["proof"] == done["proof"], output[-3000:]
    assert again["removed"] == done["removed"]
    assert lane.store.get(lane.evidence.prefix.child(PROOF)) == stored


def test_an_unfinished_run_is_refused_alone_and_skipped_by_the_sweep(lane: _Lane) -> None:
    code, minted, output = fp_json(lane.env, "run", "new")
    assert code == 0, output[-2000:]
    unfinished = minted["platform_run_id"]
    scratch = S3Location(lane.object_bucket, f"fraud-platform/{unfinished}/wsp/scratch.json")
    lane.store.put_if_absent(scratch, b"{}\n", content_type="application/json")
    try:
        code, refused, output = fp_json(lane.env, "run", "teardown", "--run", unfinished)
        assert code == 2 and refused["code"] == TEARDOWN_RUN_UNFINISHED, output[-2000:]
        assert lane.store.head(scratch) is not None

        code, swept, output = fp_json(lane.env, "run", "teardown", "--all-transient", "--dry-run")
        assert code == 0 and swept["failed"] == [], output[-3000:]
        skipped = {s["name"]: s["code"] for s in swept["skipped"]}
        assert skipped[unfinished] == TEARDOWN_RUN_UNFINISHED
        assert lane.store.head(scratch) is not None
    finally:
        lane.store.delete(scratch)


def test_the_cli_refuses_neither_or_both_selectors(lane: _Lane) -> None:
    code, _, _ = fp_json(lane.env, "run", "teardown", "--dry-run")
    assert code == 64
    code, _, _ = fp_json(lane.env, "run", "teardown", "--run", lane.run_id, "--all-transient")
    assert code == 64
