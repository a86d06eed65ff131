"""Least privilege: each Oracle role can do its job, and the store itself refuses what it may not do.

The lander lands, seals, records facts and moves the pointer; the sorter writes stream views and
nothing else; SR reads packs but writes no Oracle truth. The pointer is moved through the real
consumer check (`OracleRuntime.checked_pack_id`), so a pack the check refuses can never be pointed at.
Every denial is a real call against SeaweedFS with the role's own key pair, answered by the store.
"""

from __future__ import annotations

import uuid

import pytest
from oracle_it import SCENARIO, fp

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import ORACLE_LANDED, OracleRuntime, PackRoot, read_pointer, set_pointer
from fraud_platform.oracle._reasons import STREAM_VIEW_MISSING
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate import factory
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration

_RUN = "platform_20260101T000000Z"


def _denied(store: ObjectStore, location: S3Location, operator: ObjectStore) -> None:
    """A write-once PUT of `store`'s role at `location` is refused by the store, and nothing appears."""
    with pytest.raises(PlatformError) as refused:
        store.put_if_absent(location, b'{"probe": true}', content_type="application/json")
    assert refused.value.code == OBJECT_ACCESS_DENIED, refused.value
    assert operator.head(location) is None


def test_each_oracle_role_does_its_job_and_is_refused_outside_it(
    bootstrapped: BootstrappedSubstrates, small_world: WorldInfo
) -> None:
    substrates: LocalSubstrates = bootstrapped.substrates
    creds = bootstrapped.credentials
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
    pointer_name = f"it_{uuid.uuid4().hex[:12]}"  # the shared local_parity pointer is left alone
    with pytest.raises(FailClosed) as unsorted:  # the real consumer check refuses a pack without views
        set_pointer(runtime.store, runtime.bucket, pointer_name, root.uri, SCENARIO, runtime.checked_pack_id)
    assert unsorted.value.code == STREAM_VIEW_MISSING
    assert read_pointer(runtime.store, runtime.bucket, pointer_name) is None

    sorter = factory.open_object_store(creds["oracle_sorter"])
    sort_stream_views(sorter, creds["oracle_sorter"], root, SCENARIO)
    move = set_pointer(
        runtime.store, runtime.bucket, pointer_name, root.uri, SCENARIO, runtime.checked_pack_id
    )
    assert move.moved and move.entry.oracle_pack_id == sealed["oracle_pack_id"]
    current = read_pointer(runtime.store, runtime.bucket, pointer_name)
    assert current is not None and current[0].pack_root == root.uri
    details = {key: landed[key] for key in ("engine_run_id", "root_digest", "files", "bytes")}
    fact_again = runtime.emit(_RUN, ORACLE_LANDED, {"pack_root": landed["root"], **details})
    assert fact_again == landed["fact_event_id"]  # a re-emit of the same landing is the same fact

    operator = factory.open_object_store(bootstrapped.operator)
    probe = f"probe-{uuid.uuid4().hex[:8]}.json"
    pointer_probe = S3Location(runtime.bucket, f"pointers/oracle/{pointer_name}_probe.json")
    sr_ledger = S3Location(runtime.bucket, f"fraud-platform/{_RUN}/sr/run_plan/{probe}")
    # The sorter writes views only: not landed truth, not the pointer.
    _denied(sorter, root.child(probe), operator)
    _denied(sorter, pointer_probe, operator)
    # SR reads packs and the pointer, and writes neither.
    sr = factory.open_object_store(creds["sr"])
    assert read_pointer(sr, runtime.bucket, pointer_name) == current
    _denied(sr, root.child(probe), operator)
    _denied(sr, root.child(f"stream_view/{probe}"), operator)
    _denied(sr, pointer_probe, operator)
    # The lander owns Oracle truth, never SR's ledger.
    _denied(runtime.store, sr_ledger, operator)
