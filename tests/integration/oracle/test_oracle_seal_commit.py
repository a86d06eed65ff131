"""The seal's commit order on the real SeaweedFS: a crash at each write, then a rerun that converges.

Nothing with a fixed name is written before `_SEALED.json`: the pack manifest is content-addressed
(`_oracle/pack_manifest/{sha256}.json`) and the seal names it, so a crash between the two leaves an
orphan that a rerun with the same inputs rewrites as a no-op and a rerun with other inputs ignores.
"""

from __future__ import annotations

import threading

import pytest
from crash_it import BarrierStore, Crash, CrashingStore, run_together
from oracle_it import SCENARIO, fresh_root

from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import LocalFolderSource, OracleRuntime, PackRoot, land_world, seal_pack
from fraud_platform.oracle.layout import PACK_MANIFEST_PREFIX, SEAL_NAME
from fraud_platform.oracle.pack import parse_seal
from fraud_platform.oracle.sort.pack import load_sealed_pack

pytestmark = pytest.mark.integration

# The seal writes two objects: the content-addressed pack manifest, then `_SEALED.json`.
SEAL_WRITES = 2


def _landed(runtime: OracleRuntime, world: WorldInfo) -> PackRoot:
    root = fresh_root(runtime)
    land_world(LocalFolderSource(world.root), runtime.store, root)
    return root


def _manifests(runtime: OracleRuntime, root: PackRoot) -> list[str]:
    return [root.relative(info.key) for info in runtime.store.list(root.child(PACK_MANIFEST_PREFIX))]


def test_an_uninterrupted_seal_writes_exactly_the_manifest_then_the_seal(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _landed(oracle_runtime, small_world)
    store = CrashingStore(oracle_runtime.store)
    assert seal_pack(store, root, SCENARIO, oracle_runtime.tails()).written  # type: ignore[arg-type]
    seal = parse_seal(oracle_runtime.store.get(root.seal))
    assert [root.relative(key) for key in store.writes] == [
        f"{PACK_MANIFEST_PREFIX}{seal.pack_manifest_sha256}.json",
        "_SEALED.json",
    ]
    assert len(store.writes) == SEAL_WRITES


@pytest.mark.parametrize("fail_at", range(1, SEAL_WRITES + 1))
def test_a_crash_at_each_write_then_a_rerun_with_the_same_inputs_converges(
    oracle_runtime: OracleRuntime, small_world: WorldInfo, fail_at: int
) -> None:
    root = _landed(oracle_runtime, small_world)
    with pytest.raises(Crash):
        seal_pack(CrashingStore(oracle_runtime.store, fail_at), root, SCENARIO, oracle_runtime.tails())  # type: ignore[arg-type]
    assert oracle_runtime.store.head(root.seal) is None
    report = seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
    assert report.ok and report.written
    assert _manifests(oracle_runtime, root) == [
        f"{PACK_MANIFEST_PREFIX}{report.seal.pack_manifest_sha256}.json"
    ]
    assert load_sealed_pack(oracle_runtime.store, root, SCENARIO).oracle_pack_id == report.seal.oracle_pack_id


def test_a_crash_before_the_seal_then_a_rerun_with_other_outputs_commits_the_new_manifest(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    """Failed on the old layout: the fixed-name manifest of the first attempt made this SEAL_CONFLICT forever."""
    root = _landed(oracle_runtime, small_world)
    defaults = list(load_catalogue().default_stream_outputs)
    with pytest.raises(Crash):
        seal_pack(
            CrashingStore(oracle_runtime.store, SEAL_WRITES),  # type: ignore[arg-type]
            root,
            SCENARIO,
            oracle_runtime.tails(),
            output_ids=defaults[:2],
        )
    (orphan,) = _manifests(oracle_runtime, root)
    report = seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails())
    assert report.ok and report.written
    committed = f"{PACK_MANIFEST_PREFIX}{report.seal.pack_manifest_sha256}.json"
    assert committed != orphan and sorted(_manifests(oracle_runtime, root)) == sorted([orphan, committed])
    sealed = load_sealed_pack(oracle_runtime.store, root, SCENARIO)
    assert sealed.manifest.streamed_outputs == defaults  # the reader followed the seal, not the orphan


def test_two_sealers_racing_commit_one_seal_and_the_other_returns_it(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _landed(oracle_runtime, small_world)
    store = BarrierStore(oracle_runtime.store, threading.Barrier(2), SEAL_NAME)
    results, errors = run_together(
        *[lambda: seal_pack(store, root, SCENARIO, oracle_runtime.tails())] * 2  # type: ignore[arg-type]
    )
    assert not errors and sorted(report.written for report in results) == [False, True]
    committed = parse_seal(oracle_runtime.store.get(root.seal))
    assert all(report.seal == committed for report in results)
    assert _manifests(oracle_runtime, root) == [
        f"{PACK_MANIFEST_PREFIX}{committed.pack_manifest_sha256}.json"
    ]
