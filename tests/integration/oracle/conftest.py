"""Fixtures of the Oracle integration tests: buckets on the real SeaweedFS, a small synthetic world."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from oracle_it import SCENARIO, fresh_root

from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.oracle import LocalFolderSource, OracleRuntime, PackRoot, land_world, seal_pack
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.factory import open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates


@pytest.fixture(scope="session")
def oracle_runtime(local_substrates: LocalSubstrates) -> OracleRuntime:
    """The local_parity profile with operator credentials; both buckets exist."""
    runtime = OracleRuntime.open("local_parity", "operator", env=local_substrates.env)
    admin = open_s3_admin(local_substrates.operator)
    for bucket in (runtime.bucket, runtime.profile.object_store.evidence_bucket):
        admin.create_bucket_if_absent(bucket)
    return runtime


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    """A sealed synthetic world (`--flows 200`, one file per output: 69 files, ~90 KB), shared read-only."""
    return synthesize_world(
        tmp_path_factory.mktemp("oracle_worlds"), 42, SCENARIO, 200, files_per_output=1, days=1
    )


@pytest.fixture
def world_copy(small_world: WorldInfo, tmp_path: Path) -> Path:
    """A private copy of the small world that a test may damage."""
    target = tmp_path / small_world.engine_run_id
    shutil.copytree(small_world.root, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def sorted_pack(oracle_runtime: OracleRuntime, small_world: WorldInfo) -> PackRoot:
    """The small world landed, sealed and sorted (all six stream views): a pack that passes the check.

    Read-only for tests: damage goes to roots of their own.
    """
    root = fresh_root(oracle_runtime)
    land_world(LocalFolderSource(small_world.root), oracle_runtime.store, root)
    assert seal_pack(oracle_runtime.store, root, SCENARIO, oracle_runtime.tails()).ok
    sort_stream_views(oracle_runtime.store, oracle_runtime.creds, root, SCENARIO)
    return root
