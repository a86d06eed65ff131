"""Fixtures of the stream-view integration tests: a small world landed and sealed on real SeaweedFS."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from fraud_platform.engine.synth import WorldInfo, synthesize_world
from fraud_platform.oracle.land import land_world
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.runtime import OracleRuntime
from fraud_platform.oracle.seal import seal_pack
from fraud_platform.oracle.sources import LocalFolderSource
from fraud_platform.substrate.factory import open_s3_admin
from fraud_platform.substrate.local import LocalSubstrates

SORT_SCENARIO = "baseline_v1"


@pytest.fixture(scope="session")
def sort_runtime(local_substrates: LocalSubstrates) -> OracleRuntime:
    """local_parity with operator credentials (deletes allowed: the crash tests inspect attempts)."""
    runtime = OracleRuntime.open("local_parity", "operator", env=local_substrates.env)
    open_s3_admin(local_substrates.operator).create_bucket_if_absent(runtime.bucket)
    return runtime


@pytest.fixture(scope="session")
def sort_world(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    """A synthetic world of 200 flows (~700 events per stream), shared read-only."""
    return synthesize_world(tmp_path_factory.mktemp("sort_worlds"), 42, SORT_SCENARIO, 200)


@pytest.fixture
def landed_root(sort_runtime: OracleRuntime, sort_world: WorldInfo) -> Callable[[bool], PackRoot]:
    """Land the world into a fresh root (roots are write-once), sealed unless asked otherwise."""

    def _land(sealed: bool = True) -> PackRoot:
        root = PackRoot.parse(f"s3://{sort_runtime.bucket}/oracle-store/it-sort/{uuid.uuid4().hex}/")
        land_world(LocalFolderSource(sort_world.root), sort_runtime.store, root)
        if sealed:
            report = seal_pack(sort_runtime.store, root, SORT_SCENARIO, sort_runtime.tails())
            assert report.ok, report.first_code
        return root

    return _land
