"""`fp run shadow` and `fp oracle pointer set --require-shadow` on the bootstrapped local substrates.

One synthetic world is landed under two roots (A and B: two landings of one world) and a world of
another seed under a third (C); each is sealed and sorted, and the pointer names A. The real CLI
then runs the shadow as an operator would: A vs B must be identical (exit 0), A vs C must not (exit
2, SHADOW_MISMATCH, the first difference reported), and the pointer moves onto B only with the
passing shadow's id, never without one, never onto another root, never on a failing shadow.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from lane_support import fp_json, free_port

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import load_profile, role_credentials
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.obs.shadow_record import read_shadow
from fraud_platform.oracle import (
    LocalFolderSource,
    OracleRuntime,
    PackRoot,
    land_world,
    read_pointer,
    seal_pack,
    set_pointer,
)
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.factory import open_object_store
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration

_SCENARIO = "baseline_v1"
_CAP = "20"
_FLOWS = 40


@pytest.fixture(scope="module")
def roots(bootstrapped: BootstrappedSubstrates, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Roots A and B (one world, landed twice) and C (another seed), sealed, sorted; pointer on A."""
    env = {**os.environ, **bootstrapped.env, "FP_LOCAL_IG_PORT": str(free_port())}
    profile = load_profile("local_parity", env=env, fp_home=bootstrapped.fp_home)
    bucket = profile.object_store.object_store_bucket
    lander_creds = role_credentials(profile, "oracle_lander")
    lander = OracleRuntime(profile, lander_creds, open_object_store(lander_creds))
    sorter_creds = role_credentials(profile, "oracle_sorter")
    sorter = open_object_store(sorter_creds)
    world = synthesize_world(
        tmp_path_factory.mktemp("shadow_w7"), seed=7, scenario_id=_SCENARIO, flows=_FLOWS
    )
    other = synthesize_world(
        tmp_path_factory.mktemp("shadow_w8"), seed=8, scenario_id=_SCENARIO, flows=_FLOWS
    )
    found: dict[str, str] = {}
    for name, source in (("A", world), ("B", world), ("C", other)):
        root = PackRoot.parse(
            f"s3://{bucket}/oracle-store/{profile.oracle.namespace}/shadow_{name}_{source.engine_run_id}/"
        )
        land_world(LocalFolderSource(source.root), lander.store, root)
        assert seal_pack(lander.store, root, _SCENARIO, lander.tails()).ok
        sort_stream_views(sorter, sorter_creds, root, _SCENARIO)
        found[name] = root.uri
    set_pointer(lander.store, bucket, profile.profile, found["A"], _SCENARIO, lander.checked_pack_id)
    return {"env": env, "profile": profile, "lander": lander, **found}


@pytest.fixture(scope="module")
def identical(roots: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
    """`fp run shadow` of A (left) vs B (right): two landings of one world."""
    return fp_json(
        roots["env"],
        "run",
        "shadow",
        "--left-root",
        roots["A"],
        "--right-root",
        roots["B"],
        "--events-per-output",
        _CAP,
        timeout_s=900,
    )


def _auditor(bootstrapped: BootstrappedSubstrates) -> ObjectStore:
    return open_object_store(bootstrapped.credentials["auditor"])


def _admitted_ids(store: ObjectStore, bucket: str, platform_run_id: str) -> dict[str, set[str]]:
    """Admitted event ids per output, from the run's IG receipts (independent of the bus read-back)."""
    admitted: dict[str, set[str]] = {}
    for info in store.list(S3Location(bucket, f"fraud-platform/{platform_run_id}/ig/receipts/")):
        for line in store.get(S3Location(bucket, info.key)).splitlines():
            receipt = parse_json_bytes(line)
            if receipt["decision"] == "ADMIT":
                admitted.setdefault(receipt["event_type"], set()).add(receipt["event_id"])
    return admitted


def _pointer_root(roots: dict[str, Any]) -> str:
    lander: OracleRuntime = roots["lander"]
    current = read_pointer(lander.store, lander.bucket, lander.profile.profile)
    assert current is not None
    return current[0].pack_root


def test_two_landings_of_one_world_shadow_identical_and_the_document_says_so(
    roots: dict[str, Any], identical: tuple[int, dict[str, Any], str], bootstrapped: BootstrappedSubstrates
) -> None:
    code, result, output = identical
    assert code == 0 and result["ok"] and result["verdict"] == "PASS", output[-4000:]
    assert result["differences"] == [] and result["difference_count"] == 0
    assert result["left_root"] == roots["A"] and result["right_root"] == roots["B"]
    assert result["left_run"] != result["right_run"]
    compared = result["compared"]
    assert compared and all(
        row["left_admitted"] == row["right_admitted"] == row["in_both"] > 0 for row in compared.values()
    )
    operator = open_object_store(bootstrapped.credentials["operator"])
    bucket = bootstrapped.profile.object_store.object_store_bucket
    left_ids = _admitted_ids(operator, bucket, result["left_run"])
    assert left_ids == _admitted_ids(operator, bucket, result["right_run"])  # same ids from the receipts
    assert {output: len(ids) for output, ids in left_ids.items()} == {
        output: row["left_admitted"] for output, row in compared.items()
    }

    evidence_bucket = bootstrapped.profile.object_store.evidence_bucket
    record = read_shadow(_auditor(bootstrapped), evidence_bucket, result["right_run"])
    assert record is not None and result["evidence"].endswith(f"evidence/shadow/{result['right_run']}.json")
    assert (record.verdict, record.code, record.left.pack_root, record.right.pack_root) == (
        "PASS",
        "OK",
        roots["A"],
        roots["B"],
    )
    assert record.left.oracle_pack_id == record.right.oracle_pack_id  # one world: one pack id
    assert _pointer_root(roots) == roots["A"]  # the shadow never moved the pointer


def test_the_pointer_moves_onto_a_root_only_with_a_passing_shadow_of_that_root(
    roots: dict[str, Any], identical: tuple[int, dict[str, Any], str]
) -> None:
    code, result, output = identical
    assert code == 0, output[-3000:]
    env, shadow = roots["env"], result["right_run"]
    set_b = ("oracle", "pointer", "set", "--root", roots["B"], "--scenario-id", _SCENARIO)

    refused = fp_json(
        env, *set_b, "--require-shadow", result["left_run"], timeout_s=900
    )  # no shadow carries this id
    assert refused[0] == 2 and refused[1]["code"] == "SHADOW_REQUIRED", refused[2][-2000:]
    set_c = ("oracle", "pointer", "set", "--root", roots["C"], "--scenario-id", _SCENARIO)
    refused = fp_json(env, *set_c, "--require-shadow", shadow, timeout_s=900)  # the shadow proved B, not C
    assert refused[0] == 2 and refused[1]["code"] == "SHADOW_REQUIRED", refused[2][-2000:]
    assert "root" in refused[1]["detail"]
    assert _pointer_root(roots) == roots["A"]

    moved = fp_json(env, *set_b, "--require-shadow", shadow, timeout_s=900)
    assert moved[0] == 0 and moved[1]["moved"] and moved[1]["shadow"] == shadow, moved[2][-2000:]
    assert _pointer_root(roots) == roots["B"]


def test_a_different_world_shadows_different_with_the_first_difference_and_moves_no_pointer(
    roots: dict[str, Any], bootstrapped: BootstrappedSubstrates
) -> None:
    code, result, output = fp_json(
        roots["env"],
        "run",
        "shadow",
        "--left-root",
        roots["A"],
        "--right-root",
        roots["C"],
        "--events-per-output",
        _CAP,
        "--scenario-id",
        _SCENARIO,
        timeout_s=900,
    )
    assert code == 2 and result["code"] == "SHADOW_MISMATCH" and result["verdict"] == "FAIL", output[-4000:]
    assert 0 < len(result["differences"]) <= 20 < result["difference_count"]

    operator = open_object_store(bootstrapped.credentials["operator"])
    bucket = bootstrapped.profile.object_store.object_store_bucket
    left = _admitted_ids(operator, bucket, result["left_run"])
    right = _admitted_ids(operator, bucket, result["right_run"])
    first_output = min(output for output in left if left[output] - right.get(output, set()))
    expected = {
        "kind": "only_left",
        "output_id": first_output,
        "subject": min(left[first_output] - right.get(first_output, set())),
    }
    first = result["differences"][0]
    assert {key: first[key] for key in expected} == expected and first["right"] is None

    before = _pointer_root(roots)
    set_c = ("oracle", "pointer", "set", "--root", roots["C"], "--scenario-id", _SCENARIO)
    refused = fp_json(roots["env"], *set_c, "--require-shadow", result["right_run"], timeout_s=900)
    assert refused[0] == 2 and refused[1]["code"] == "SHADOW_REQUIRED" and "FAIL" in refused[1]["detail"]
    assert _pointer_root(roots) == before
