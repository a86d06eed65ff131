"""Least privilege: the oracle_lander role alone lands, seals, records facts and moves the pointer."""

from __future__ import annotations

import uuid

import pytest
from oracle_it import SCENARIO, fp

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import ORACLE_LANDED, OracleRuntime, PackRoot, read_pointer, set_pointer
from fraud_platform.substrate.local import LocalSubstrates

pytestmark = pytest.mark.integration

_RUN = "platform_20260101T000000Z"


def test_the_lander_role_is_enough_for_land_seal_facts_and_pointer(
    bootstrapped: BootstrappedSubstrates, small_world: WorldInfo
) -> None:
    substrates: LocalSubstrates = bootstrapped.substrates
    code, landed = fp(substrates, ["oracle", "land", "--source", str(small_world.root), "--run", _RUN])
    assert code == 0, landed
    assert landed["fact_event_id"] and landed["telemetry"]["s3"].keys() == {"oracle_lander"}
    root = PackRoot.parse(landed["root"])
    code, sealed = fp(
        substrates, ["oracle", "seal", "--root", root.uri, "--scenario-id", SCENARIO, "--run", _RUN]
    )
    assert code == 0 and sealed["seal_status"] == "SEALED_OK", sealed
    runtime = OracleRuntime.open("local_parity", env=bootstrapped.env)
    assert runtime.creds.role == "oracle_lander"
    report = runtime.check(root.uri, SCENARIO)
    assert {f.code for f in report.failures} == {"STREAM_VIEW_MISSING"}  # reads work; views are the sort's
    pointer_name = f"it_{uuid.uuid4().hex[:12]}"  # the shared local_parity pointer is left alone
    move = set_pointer(
        runtime.store,
        runtime.bucket,
        pointer_name,
        root.uri,
        SCENARIO,
        lambda _r, _s: sealed["oracle_pack_id"],
    )
    assert move.moved
    current = read_pointer(runtime.store, runtime.bucket, pointer_name)
    assert current is not None and current[0].pack_root == root.uri
    details = {key: landed[key] for key in ("engine_run_id", "root_digest", "files", "bytes")}
    fact_again = runtime.emit(_RUN, ORACLE_LANDED, {"pack_root": landed["root"], **details})
    assert fact_again == landed["fact_event_id"]  # a re-emit of the same landing is the same fact
