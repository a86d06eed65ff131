"""Real-engine failure semantics through seal and SR on the real SeaweedFS (+ tansu for SR's bus).

- a world whose 6B bundle was published without `_passed.flag` (the engine's FAIL) seals
  SEALED_FAILED with GATE_FAILED naming the gate, and SR quarantines a run on it at once;
- a world with one column written as int32 where the catalogue says int64 seals SEALED_FAILED with
  OUTPUT_SCHEMA_MISMATCH naming the output and column;
- 3A members are proven by their bytes through the S3 reader (streamed), the index left alone.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraud_platform.config import Profile, kafka_settings, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.topics import TOPICS
from fraud_platform.engine import GateStatus, S3WorldReader, load_catalogue, verify_gate
from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.operate.manifest import mint_run
from fraud_platform.oracle import LocalFolderSource, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.sr import RunRequest, RunState, SrRuntime
from fraud_platform.substrate import factory
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"
CATALOGUE = load_catalogue()
GATE_6B = "gate.layer3.6B.validation"


def _profile(local_substrates: LocalSubstrates, suffix: str, dsn: str, root: str | None = None) -> Profile:
    """local_parity on this module's own buckets and SR state file, optionally pinned to a pack."""
    document = raw_profile("local_parity")
    document["object_store"] = {
        **document["object_store"],
        "object_store_bucket": f"eng-it-os-{suffix}",
        "evidence_bucket": f"eng-it-ev-{suffix}",
    }
    document["oracle"] = {
        **document["oracle"],
        "engine_run_root": root,
        "scenario_id": SCENARIO if root else None,
    }
    document["state"] = {"dsn": dsn}
    return profile_from_document(
        document, name="local_parity", env=local_substrates.env, fp_home=local_substrates.fp_home
    )


@pytest.fixture(scope="module")
def site(local_substrates: LocalSubstrates, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(bucket suffix, SR state DSN) of this module; both buckets exist."""
    suffix = uuid.uuid4().hex[:10]
    dsn = f"sqlite:///{tmp_path_factory.mktemp('eng_state') / 'authority.sqlite'}"
    profile = _profile(local_substrates, suffix, dsn)
    admin = factory.open_s3_admin(local_substrates.operator)
    admin.create_bucket_if_absent(profile.object_store.object_store_bucket)
    admin.create_bucket_if_absent(profile.object_store.evidence_bucket)
    return suffix, dsn


@pytest.fixture(scope="module")
def store(local_substrates: LocalSubstrates) -> ObjectStore:
    return factory.open_object_store(local_substrates.operator)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    return synthesize_world(tmp_path_factory.mktemp("eng_seal"), 42, SCENARIO, 60, files_per_output=1, days=1)


def _copy(world: WorldInfo, tmp_path: Path) -> Path:
    target = tmp_path / world.engine_run_id
    shutil.copytree(world.root, target)
    return target


def _land(site: tuple[str, str], store: ObjectStore, world: Path) -> PackRoot:
    bucket = f"eng-it-os-{site[0]}"
    root = PackRoot.parse(f"s3://{bucket}/oracle-store/eng-{uuid.uuid4().hex[:12]}/{world.name}/")
    land_world(LocalFolderSource(world), store, root)
    return root


def test_a_published_failed_6b_bundle_seals_failed_and_sr_quarantines_at_once(
    local_substrates: LocalSubstrates,
    site: tuple[str, str],
    store: ObjectStore,
    pristine: WorldInfo,
    tmp_path: Path,
) -> None:
    world = _copy(pristine, tmp_path)
    (world / CATALOGUE.gate(GATE_6B).flag_path(pristine.manifest_fingerprint)).unlink()
    root = _land(site, store, world)
    report = seal_pack(store, root, SCENARIO, ArrowS3TailReader(local_substrates.operator))
    assert not report.ok and report.seal.seal_status == "SEALED_FAILED"
    failures = {(f.code, f.subject) for f in report.seal.failures}
    assert ("GATE_FAILED", GATE_6B) in failures
    assert all(code != "GATE_MISSING" for code, _ in failures)  # terminal, not a wait

    pinned = _profile(local_substrates, *site, root=root.uri)
    factory.open_admin(kafka_settings(pinned, "operator")).ensure_topics(TOPICS)
    sr = SrRuntime.open(pinned, role="operator")
    try:
        evidence_bucket = pinned.object_store.evidence_bucket
        run_id = mint_run(
            store, evidence_bucket, pinned, clock=SystemClock(), git_revision=None
        ).platform_run_id
        request = RunRequest(
            run_id, f"failed-gate-{uuid.uuid4().hex}", outputs=("s2_event_stream_baseline_6B",)
        )
        outcome = sr.submit(request)
    finally:
        sr.close()
    assert outcome.state is RunState.QUARANTINED  # at once: no WAITING_EVIDENCE until a deadline
    assert outcome.code == "EVIDENCE_CONFLICT"
    assert {r.code for r in outcome.reasons} & {"PACK_SEAL_FAILED", "GATE_FAILED"}
    assert all(r.code != "GATE_MISSING" for r in outcome.reasons)
    assert outcome.message_id is None


def test_a_column_of_another_width_seals_failed_naming_output_and_column(
    local_substrates: LocalSubstrates,
    site: tuple[str, str],
    store: ObjectStore,
    pristine: WorldInfo,
    tmp_path: Path,
) -> None:
    world = _copy(pristine, tmp_path)
    output = CATALOGUE.output("s2_flow_anchor_baseline_6B")
    (part,) = sorted((world / output.dataset_root).rglob("*.parquet"))
    table = pq.read_table(part)
    index = table.schema.get_field_index("flow_id")
    assert table.schema.field(index).type == pa.int64()
    table = table.set_column(index, pa.field("flow_id", pa.int32()), table.column(index).cast(pa.int32()))
    pq.write_table(table, part)
    root = _land(site, store, world)
    report = seal_pack(store, root, SCENARIO, ArrowS3TailReader(local_substrates.operator))
    assert report.seal.seal_status == "SEALED_FAILED"
    (failure,) = [f for f in report.seal.failures if f.code == "OUTPUT_SCHEMA_MISMATCH"]
    assert failure.subject == "s2_flow_anchor_baseline_6B.flow_id"
    assert "int64" in failure.detail and "int32" in failure.detail
    assert all(f.code == "OUTPUT_SCHEMA_MISMATCH" for f in report.seal.failures)  # gates still pass


def test_a_3a_member_tampered_on_s3_is_refused_by_the_streamed_byte_check(
    site: tuple[str, str], store: ObjectStore, pristine: WorldInfo
) -> None:
    root = S3Location(f"eng-it-os-{site[0]}", f"worlds/{uuid.uuid4().hex}")
    gate = CATALOGUE.gate("gate.layer1.3A.validation")
    queue = next(p for p in pristine.root.rglob("*.parquet") if "/s1_escalation_queue/" in p.as_posix())
    tampered = queue.relative_to(pristine.root).as_posix()
    for path in sorted(pristine.root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path == queue:
                data = data[:10] + bytes([data[10] ^ 0x01]) + data[11:]
            store.put_if_absent(root.child(path.relative_to(pristine.root).as_posix()), data)
    result = verify_gate(S3WorldReader(store, root), gate.gate_id, pristine.manifest_fingerprint)
    assert result.status is GateStatus.CONFLICT and result.code == "GATE_MEMBER_MISMATCH"
    assert "s1_escalation_queue" in result.detail and tampered.startswith("data/layer1/3A/")
