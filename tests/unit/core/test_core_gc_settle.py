"""The batch processes settle the garbage collector before serving (`core.gc_settle`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from fraud_platform.core.gc_settle import GC_THRESHOLDS, settle_garbage_collector


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_objects_are_frozen_and_young_collections_are_rarer() -> None:
    settle_garbage_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold()[0] > 700
    assert gc.isenabled()
