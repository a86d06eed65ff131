"""local_parity pins from the Oracle root pointer; a pin that contradicts it is an ambiguous root."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from fraud_platform.config import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.sr import RunRequest, RunState, SrRuntime
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

SCENARIO = "baseline_v1"


def test_local_parity_takes_its_pins_from_the_oracle_pointer(
    pointer_site: tuple[Any, PackRoot],
    pointer_profile: Callable[..., Profile],
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
) -> None:
    _site, root = pointer_site
    profile = pointer_profile()
    assert profile.oracle.engine_run_root is None
    sr = open_sr(profile)
    outcome = sr.submit(RunRequest(new_run(profile), f"ptr-{uuid.uuid4().hex}", scenario_id=SCENARIO))
    # The pack has no stream views: what matters is that the pointer's root was the one checked.
    assert outcome.state is RunState.WAITING_EVIDENCE
    plan = sr.runner.ledger(outcome.platform_run_id, outcome.scenario_run_id).read_plan()
    assert plan is not None and plan.oracle.pack_root == root.uri and plan.oracle.scenario_id == SCENARIO


@pytest.mark.parametrize(
    ("pins", "code"),
    [
        ({"root": "other", "scenario": SCENARIO}, "ORACLE_PIN_CONTRADICTS_POINTER"),
        ({"root": "same", "scenario": "other_scenario"}, "ORACLE_PIN_CONTRADICTS_POINTER"),
    ],
)
def test_pins_that_contradict_the_pointer_are_refused_before_any_write(
    pins: dict[str, str],
    code: str,
    pointer_site: tuple[Any, PackRoot],
    pointer_profile: Callable[..., Profile],
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
) -> None:
    site, root = pointer_site
    other = root.uri.replace(root.prefix, f"oracle-store/elsewhere/{uuid.uuid4().hex}/")
    profile = pointer_profile(root=root.uri if pins["root"] == "same" else other, scenario=pins["scenario"])
    platform_run_id = new_run(profile)
    with pytest.raises(FailClosed) as caught:
        open_sr(profile).submit(RunRequest(platform_run_id, f"ptr-{uuid.uuid4().hex}"))
    assert caught.value.code == code
    assert (
        list(site.store.list(S3Location(site.object_store_bucket, f"fraud-platform/{platform_run_id}/")))
        == []
    )


def test_a_request_naming_another_root_is_refused(
    pointer_site: tuple[Any, PackRoot],
    pointer_profile: Callable[..., Profile],
    open_sr: Callable[..., SrRuntime],
    new_run: Callable[[Profile], str],
) -> None:
    _site, root = pointer_site
    profile = pointer_profile()
    other = root.uri.replace(root.prefix, "oracle-store/local_parity/" + "f" * 32 + "/")
    with pytest.raises(FailClosed) as caught:
        open_sr(profile).submit(RunRequest(new_run(profile), f"ptr-{uuid.uuid4().hex}", pack_root=other))
    assert caught.value.code == "ORACLE_ROOT_MISMATCH"
