"""SR's evidence with the deep check: a policy flag (default off) makes the Oracle re-hash every byte."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.sort.pack import load_sealed_pack
from fraud_platform.sr.evidence import Verdict, evaluate_evidence

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"
ARRIVALS = "arrival_events_5B"
DEEP = {"sr": {"deep_check": True}}


def test_a_source_replaced_after_landing_is_ready_by_default_and_quarantined_when_deep(
    pack_builder: Callable[..., PackRoot], sr_site: Any
) -> None:
    root = pack_builder([ARRIVALS])
    store = sr_site.store
    cheap = evaluate_evidence(store, root.uri, SCENARIO, [ARRIVALS], {})
    deep = evaluate_evidence(store, root.uri, SCENARIO, [ARRIVALS], DEEP)
    assert cheap.verdict is deep.verdict is Verdict.READY
    assert cheap.check_summary()["deep"] is False and deep.check_summary()["deep"] is True
    assert cheap.locators == deep.locators and cheap.locators[0]["attempt_id"]

    entry = load_sealed_pack(store, root, SCENARIO).source_files(load_catalogue().output(ARRIVALS))[0]
    original = store.get(root.child(entry.path))
    store.delete(root.child(entry.path))  # the operator can; every other role is denied by policy
    store.put_if_absent(root.child(entry.path), original[:-1] + bytes([original[-1] ^ 0xFF]))
    assert evaluate_evidence(store, root.uri, SCENARIO, [ARRIVALS], {}).verdict is Verdict.READY
    caught = evaluate_evidence(store, root.uri, SCENARIO, [ARRIVALS], DEEP)
    assert caught.verdict is Verdict.CONFLICT and caught.first_code == "ORACLE_VERIFY_FAILED"
