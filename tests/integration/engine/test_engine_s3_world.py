"""Gate verification through `S3WorldReader` on the real local S3 API (SeaweedFS).

The same verifier that reads a local folder reads a world uploaded to S3, with the same outcomes:
PASS on the sealed world, CONFLICT on a tampered flag, MISSING when a listed file is absent.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fraud_platform.engine import (
    GateStatus,
    S3WorldReader,
    load_catalogue,
    read_run_receipt,
    verify_gates_for_outputs,
)
from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.substrate.factory import open_object_store, open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(local_substrates: LocalSubstrates) -> ObjectStore:
    return open_object_store(local_substrates.operator)


@pytest.fixture(scope="module")
def bucket(local_substrates: LocalSubstrates) -> str:
    name = f"fp-engine-{uuid.uuid4().hex[:12]}"
    open_s3_admin(local_substrates.operator).create_bucket_if_absent(name)
    return name


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    return synthesize_world(
        tmp_path_factory.mktemp("s3_world"), 9, "s3_check", 80, files_per_output=2, days=1
    )


def _upload(
    store: ObjectStore, root: S3Location, local: Path, replace: dict[str, bytes], skip: set[str]
) -> None:
    for path in sorted(local.rglob("*")):
        relative = path.relative_to(local).as_posix()
        if path.is_file() and relative not in skip:
            store.put_if_absent(root.child(relative), replace.get(relative, path.read_bytes()))


def test_gates_verify_the_same_on_s3(store: ObjectStore, bucket: str, world: WorldInfo) -> None:
    cat = load_catalogue()
    mf = world.manifest_fingerprint
    flag_1a = cat.gate("gate.layer1.1A.validation").flag_path(mf)
    listed_5b = f"{cat.gate('gate.layer2.5B.validation').bundle_root(mf)}/sealed_inputs_5B.json"

    sealed = S3Location(bucket, f"oracle-store/test/{world.engine_run_id}")
    _upload(store, sealed, world.root, {}, set())
    reader = S3WorldReader(store, sealed)
    assert read_run_receipt(reader).run_id == world.engine_run_id
    verdict = verify_gates_for_outputs(reader, mf, cat.output_ids)
    assert verdict.ok, verdict.to_json()
    assert reader.list(cat.gate("gate.layer1.2B.validation").bundle_root(mf))  # listing is root-relative

    tampered = S3Location(bucket, f"oracle-store/tampered/{world.engine_run_id}")
    _upload(store, tampered, world.root, {flag_1a: b"sha256_hex = " + b"0" * 64 + b"\n"}, {listed_5b})
    verdict = verify_gates_for_outputs(S3WorldReader(store, tampered), mf, ["arrival_events_5B"])
    statuses = {r.gate_id: r.status for r in verdict.results}
    assert statuses["gate.layer1.1A.validation"] is GateStatus.CONFLICT
    assert statuses["gate.layer2.5B.validation"] is GateStatus.MISSING
    assert verdict.output_status("arrival_events_5B") is GateStatus.CONFLICT
