"""The stream view's commit order on the real SeaweedFS: crash points, a damaged orphan, a real race.

Parts and the view manifest are attempt-scoped (`attempt={attempt_id}/…`); the receipt is the only
fixed name and is written last. So a crash before it leaves an orphan attempt that no reader follows,
a rerun always commits a fresh attempt (never adopts a damaged one), and two sorters racing on one
output elect one receipt by `If-None-Match`, the other confirming it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from crash_it import BarrierStore, Crash, CrashingStore, run_together
from oracle_it import SCENARIO, fresh_root

from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import LocalFolderSource, OracleRuntime, PackRoot, land_world, seal_pack
from fraud_platform.oracle.check import check_pack
from fraud_platform.oracle.layout import STREAM_RECEIPT_NAME, view_manifest_name
from fraud_platform.oracle.sort import SortOptions, ViewResult, sort_stream_views
from fraud_platform.oracle.sort.closure.receipt import parse_receipt

pytestmark = pytest.mark.integration

EVENTS = "s3_event_stream_with_fraud_6B"
# Small parts, so the crash points fall between parts too (the small world holds ~700 events).
SMALL_PARTS = SortOptions(row_group_rows=128, part_rows=256)


def _sealed(runtime: OracleRuntime, world: WorldInfo) -> PackRoot:
    root = fresh_root(runtime)
    land_world(LocalFolderSource(world.root), runtime.store, root)
    report = seal_pack(runtime.store, root, SCENARIO, runtime.tails())
    assert report.ok, report.first_code
    return root


class _CrashAfterManifest:
    """A SortProgress that dies once the attempt's view manifest is written (just before the receipt)."""

    def started(self, output_id: str, work_rows: int) -> None:
        return None

    def advanced(self, output_id: str, rows: int) -> None:
        return None

    def stage(self, output_id: str, stage: str) -> None:
        if stage == "manifest_written":
            raise Crash(stage)


def _sort(
    runtime: OracleRuntime, store: Any, root: PackRoot, options: SortOptions = SMALL_PARTS, **kwargs: Any
) -> ViewResult:
    (result,) = sort_stream_views(
        store, runtime.creds, root, SCENARIO, outputs=[EVENTS], options=options, **kwargs
    )
    return result


def _keys(runtime: OracleRuntime, root: PackRoot) -> list[str]:
    folder = root.child(root.stream_view_dir(EVENTS))
    return [root.relative(info.key) for info in runtime.store.list(folder)]


def _attempts(runtime: OracleRuntime, root: PackRoot) -> set[str]:
    return {key.split("attempt=")[1].split("/")[0] for key in _keys(runtime, root) if "attempt=" in key}


@pytest.fixture
def sealed_root(oracle_runtime: OracleRuntime, small_world: WorldInfo) -> Callable[[], PackRoot]:
    return lambda: _sealed(oracle_runtime, small_world)


def test_the_receipt_is_the_only_fixed_name_and_it_is_written_last(
    oracle_runtime: OracleRuntime, sealed_root: Callable[[], PackRoot]
) -> None:
    root = sealed_root()
    store = CrashingStore(oracle_runtime.store)
    result = _sort(oracle_runtime, store, root)
    folder = root.stream_view_dir(EVENTS)
    written = [root.relative(key)[len(folder) :] for key in store.writes]
    assert written[-1] == STREAM_RECEIPT_NAME and written.count(STREAM_RECEIPT_NAME) == 1
    assert written[-2] == view_manifest_name(result.attempt_id)
    assert all(name.startswith(f"attempt={result.attempt_id}/") for name in written[:-1])
    assert result.parts >= 3 and len(written) == result.parts + 2


def test_a_crash_at_every_write_then_a_rerun_commits_a_fresh_proven_attempt(
    oracle_runtime: OracleRuntime, sealed_root: Callable[[], PackRoot]
) -> None:
    probe = CrashingStore(oracle_runtime.store)
    _sort(oracle_runtime, probe, sealed_root())
    for fail_at in range(1, len(probe.writes) + 1):
        root = sealed_root()
        with pytest.raises(Crash):
            _sort(oracle_runtime, CrashingStore(oracle_runtime.store, fail_at), root)
        assert oracle_runtime.store.head(root.stream_receipt(EVENTS)) is None, fail_at
        orphans = _attempts(oracle_runtime, root)
        result = _sort(oracle_runtime, oracle_runtime.store, root)
        assert result.status == "created" and result.attempt_id not in orphans, fail_at
        report = check_pack(oracle_runtime.store, root, SCENARIO, [EVENTS])
        assert report.ok, (fail_at, report.failures)
        assert report.stream_views[EVENTS].attempt_id == result.attempt_id
        assert _sort(oracle_runtime, oracle_runtime.store, root).status == "skipped"


def test_an_orphan_attempt_damaged_after_its_manifest_never_blocks_the_view(
    oracle_runtime: OracleRuntime, sealed_root: Callable[[], PackRoot]
) -> None:
    """Failed on the old layout: the rerun adopted the fixed-name manifest, whose part was gone, forever."""
    root = sealed_root()
    with pytest.raises(Crash):
        _sort(oracle_runtime, oracle_runtime.store, root, progress=_CrashAfterManifest())
    (orphan,) = _attempts(oracle_runtime, root)
    folder = root.stream_view_dir(EVENTS)
    assert oracle_runtime.store.head(root.child(folder + view_manifest_name(orphan))) is not None
    oracle_runtime.store.delete(root.child(f"{folder}attempt={orphan}/part-000000.parquet"))
    # Changed inputs too: the rerun cuts other parts (the default sizes: one part, not several).
    result = _sort(oracle_runtime, oracle_runtime.store, root, SortOptions())
    assert result.status == "created" and result.attempt_id != orphan and result.parts == 1
    receipt = parse_receipt(oracle_runtime.store.get(root.stream_receipt(EVENTS)))
    assert receipt.manifest.name == view_manifest_name(result.attempt_id)
    assert check_pack(oracle_runtime.store, root, SCENARIO, [EVENTS]).ok


def test_two_sorters_racing_on_one_output_commit_one_receipt_and_the_loser_confirms_it(
    oracle_runtime: OracleRuntime, sealed_root: Callable[[], PackRoot]
) -> None:
    root = sealed_root()
    store = BarrierStore(oracle_runtime.store, threading.Barrier(2), STREAM_RECEIPT_NAME)
    results, errors = run_together(*[lambda: _sort(oracle_runtime, store, root)] * 2)
    assert not errors and sorted(result.status for result in results) == ["confirmed", "created"]
    receipt = parse_receipt(oracle_runtime.store.get(root.stream_receipt(EVENTS)))
    assert {result.attempt_id for result in results} == {receipt.attempt_id}
    assert len(_attempts(oracle_runtime, root)) == 2  # the loser's attempt is an orphan nobody names
    report = check_pack(oracle_runtime.store, root, SCENARIO, [EVENTS])
    assert report.ok and report.stream_views[EVENTS].attempt_id == receipt.attempt_id
