"""The validation ladder on the bootstrapped local substrates: 20 → 200 through `fp run ladder`, and a
ladder whose rung 2 is projected over a tiny cap, refused before it is even minted.

Each rung is a real lane run (IG and WSP supervised, SR READY, reconciliation, bundle). The local price
table is all zeros, so the over-budget ladder prices the same local run with dev_min's list prices.
"""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lane_support import FP, free_port

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import load_profile, role_credentials
from fraud_platform.config.schema import PricingSection
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.obs.closure import CLOSURE_COMMIT
from fraud_platform.obs.cost import CostEstimate
from fraud_platform.operate.lane.ladder import LADDERS_PREFIX, project_cost, run_ladder
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    land_world,
    seal_pack,
    set_pointer,
)
from fraud_platform.oracle.layout import default_root_uri
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_SCENARIO = "baseline_v1"
# dev_min's list prices (config/profiles/dev_min.yaml) with a cap exactly at the first rung's floor
# (its own evidence writes, `ladder.first_rung_floor`): rung 1 may start, and no real rung fits under it.
_DEV_MIN_PRICES = PricingSection(
    currency="USD",
    taken_on="2026-12-03",
    s3_write_requests_per_1000=Decimal("0.005"),
    s3_read_requests_per_1000=Decimal("0.0004"),
    s3_storage_gb_month=Decimal("0.023"),
    s3_transfer_out_gb=Decimal("0.09"),
    kafka_ingress_gb=Decimal("0.05"),
    kafka_egress_gb=Decimal("0.05"),
    kafka_partition_hour=Decimal(0),
    kafka_cluster_hour=Decimal(0),
    rung_cap_usd=Decimal("0.00006"),
)


@pytest.fixture(scope="module")
def ladder_env(
    bootstrapped: BootstrappedSubstrates, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The bootstrapped FP_HOME on a free IG port, a small world's pack behind the pointer."""
    env = {**os.environ, **bootstrapped.env, "FP_LOCAL_IG_PORT": str(free_port())}
    profile = load_profile("local_parity", env=env, fp_home=bootstrapped.fp_home)
    world = synthesize_world(
        tmp_path_factory.mktemp("ladder_world"), seed=11, scenario_id=_SCENARIO, flows=60
    )
    bucket = profile.object_store.object_store_bucket
    root = PackRoot.parse(default_root_uri(bucket, profile.oracle.namespace, world.engine_run_id))
    lander_creds = role_credentials(profile, "oracle_lander")
    lander = OracleRuntime(profile, lander_creds, open_object_store(lander_creds))
    land_world(LocalFolderSource(world.root), lander.store, root)
    assert seal_pack(lander.store, root, _SCENARIO, lander.tails()).ok
    sorter = role_credentials(profile, "oracle_sorter")
    sort_stream_views(open_object_store(sorter), sorter, root, _SCENARIO)
    set_pointer(lander.store, bucket, profile.profile, root.uri, _SCENARIO, lander.checked_pack_id)
    return env


def _json(store: Any, uri: str) -> Any:
    return parse_json_bytes(store.get(S3Location.parse(uri)))


def test_ladder_20_to_200_runs_both_rungs_each_its_own_passing_run(
    ladder_env: dict[str, str], bootstrapped: BootstrappedSubstrates
) -> None:
    done = subprocess.run(
        [FP, "run", "ladder", "--rungs", "20,200", "--json"],
        env=ladder_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    result = json.loads(last)
    assert done.returncode == 0 and result["ok"] and result["code"] == "OK", done.stdout[-4000:] + done.stderr
    rungs = result["rungs"]
    assert [(r["events_per_output"], r["status"]) for r in rungs] == [(20, "PASS"), (200, "PASS")]
    assert rungs[0]["platform_run_id"] != rungs[1]["platform_run_id"]
    assert rungs[1]["projected_usd"] == "0.000000"  # local prices are zero

    operator = open_object_store(bootstrapped.credentials["operator"])
    summary = _json(operator, result["summary"])
    assert result["summary"].endswith(f"{LADDERS_PREFIX}{result['ladder_id']}.json")
    assert result["ladder_id"] == f"ladder_{rungs[0]['platform_run_id']}"
    assert summary["rungs"] == rungs and summary["ok"] is True
    admitted = []
    for rung in rungs:
        assert rung["evidence"].endswith(f"evidence/runs/{rung['platform_run_id']}/{CLOSURE_COMMIT}")
        commit = _json(operator, rung["evidence"])
        assert (
            commit["summary"]["verdict"] == "PASS" and commit["summary"]["cap"] == rung["events_per_output"]
        )
        admitted.append(commit["summary"]["totals"]["admitted"])
    assert admitted[1] > admitted[0] > 0


def test_a_rung_projected_over_a_tiny_cap_is_refused_before_it_is_minted(
    ladder_env: dict[str, str], bootstrapped: BootstrappedSubstrates, tmp_path: Path
) -> None:
    local = load_profile("local_parity", env=ladder_env, fp_home=bootstrapped.fp_home)
    priced = local.model_copy(update={"pricing": _DEV_MIN_PRICES})
    operator = open_object_store(bootstrapped.credentials["operator"])
    runs = S3Location(local.object_store.evidence_bucket, "evidence/runs/")
    before = {info.key.split("/")[2] for info in operator.list(runs)}

    result = run_ladder(priced, rungs=[20, 200], logs=tmp_path)

    assert result.climb.code == "BUDGET_EXCEEDED"
    first, refused = result.climb.rungs
    assert first.status == "PASS" and first.cost_usd is not None and first.cost_usd > 0
    assert refused.status == "REFUSED" and refused.platform_run_id is None
    assert refused.projected_usd is not None and refused.projected_usd > Decimal("0.00006")
    new_runs = {info.key.split("/")[2] for info in operator.list(runs)} - before
    assert new_runs == {first.platform_run_id}  # rung 2 was never minted

    assert first.evidence is not None
    files = _json(operator, first.evidence)["files"]
    bundle_cost = CostEstimate.model_validate(_json(operator, files["lane_telemetry.json"]["uri"])["cost"])
    assert bundle_cost.total == first.cost_usd
    assert project_cost(bundle_cost, 20, 200, priced.pricing).total == refused.projected_usd
    summary = _json(operator, result.summary_uri)
    assert summary["code"] == "BUDGET_EXCEEDED" and summary["rung_cap_usd"] == "0.00006"
    assert [r["status"] for r in summary["rungs"]] == ["PASS", "REFUSED"]
