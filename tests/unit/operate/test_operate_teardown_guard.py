"""Teardown's delete guard refuses truth, evidence, pointers and unknown prefixes before any request.

The store here only records the deletes it is asked for: the guard must refuse before reaching it.
Also covered: the per-folder grouping of the proof and the choice of a run's consumer groups.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fraud_platform.config.schema import PricingSection
from fraud_platform.core.errors import FailClosed
from fraud_platform.operate._reasons import TEARDOWN_PROTECTED_PREFIX
from fraud_platform.operate.teardown.guard import guarded_delete
from fraud_platform.operate.teardown.persists import Persisting, monthly_cost
from fraud_platform.operate.teardown.surfaces import ObjectSet, run_groups
from fraud_platform.substrate.objectstore.port import S3Location
from fraud_platform.wsp.consume import group_id_for, legacy_group_id_for, served_run_of

pytestmark = pytest.mark.unit

_RUN = "platform_20261203T101500Z"


class _RecordingStore:
    """Records delete calls only; any other call would be a bug of the guard's caller."""

    role = "operator"

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete(self, location: S3Location) -> None:
        self.deleted.append(location.uri)


@pytest.mark.parametrize(
    "key",
    [
        "oracle-store/local_parity/run/_SEALED.json",
        "evidence/runs/platform_20261203T101500Z/run_completed.json",
        "pointers/oracle/local_parity.json",
        "somewhere-new/file.json",
        "fraud-platform/../oracle-store/local_parity/x",
        "fraud-platform//oracle-store/x",
        f"fraud-platform/{_RUN}/",
        "",
    ],
)
def test_a_delete_outside_the_transient_prefixes_is_refused_before_the_store(key: str) -> None:
    store = _RecordingStore()
    with pytest.raises(FailClosed) as refused:
        guarded_delete(store, S3Location("fp-object-store", key))  # type: ignore[arg-type]
    assert refused.value.code == TEARDOWN_PROTECTED_PREFIX
    assert store.deleted == []


@pytest.mark.parametrize("key", [f"fraud-platform/{_RUN}/sr/run_plan/x.json", "_tmp/scratch.bin"])
def test_a_delete_under_a_transient_prefix_reaches_the_store(key: str) -> None:
    store = _RecordingStore()
    guarded_delete(store, S3Location("fp-object-store", key))  # type: ignore[arg-type]
    assert store.deleted == [f"s3://fp-object-store/{key}"]


def test_objects_are_totalled_per_folder_two_levels_under_the_run() -> None:
    base = f"fraud-platform/{_RUN}/"
    objects = ObjectSet(
        "b",
        base,
        (
            (base + "sr/run_plan/a.json", 10),
            (base + "sr/run_plan/b.json", 5),
            (base + "ig/quarantine/q.ndjson", 7),
            (base + "top.json", 1),
        ),
    )
    assert objects.count == 4 and objects.bytes == 23
    assert objects.folders() == [
        {"prefix": f"s3://b/{base}", "objects": 1, "bytes": 1},
        {"prefix": f"s3://b/{base}ig/quarantine/", "objects": 1, "bytes": 7},
        {"prefix": f"s3://b/{base}sr/run_plan/", "objects": 2, "bytes": 15},
    ]


def test_a_runs_groups_are_wsps_group_and_groups_named_with_the_run() -> None:
    other = "platform_20261203T101501Z"
    listed = [
        f"fp.wsp.run.{_RUN}",
        f"fp.wsp.run.{other}",
        f"fp.operator.run.{_RUN}",
        f"fp.operator.{_RUN}",
        f"fp-wsp-{_RUN}",
        f"fp-wsp-{other}",
        "fp.ig.reader.abc",
    ]
    assert run_groups(listed, _RUN) == (
        f"fp-wsp-{_RUN}",
        f"fp.operator.{_RUN}",
        f"fp.operator.run.{_RUN}",
        f"fp.wsp.run.{_RUN}",
    )


def test_wsps_run_groups_and_legacy_ones_name_their_run() -> None:
    assert group_id_for(_RUN) == f"fp.wsp.run.{_RUN}"
    assert served_run_of(group_id_for(_RUN)) == _RUN
    assert served_run_of(group_id_for(_RUN, "operator")) == _RUN
    assert served_run_of(legacy_group_id_for(_RUN)) == _RUN == served_run_of(f"fp-wsp-{_RUN}")
    for group in (
        "fp.ig.reader.abc",
        f"fp.wsp._bootstrap_probe.{_RUN}",
        "fp.wsp.run.",
        "fp-wsp-",
        "x.wsp.run.y",
    ):
        assert served_run_of(group) is None


def _prices(storage: str | None) -> PricingSection:
    return PricingSection(
        currency="USD",
        taken_on="2026-11-01",
        s3_write_requests_per_1000=Decimal("0.005"),
        s3_read_requests_per_1000=Decimal("0.0004"),
        s3_storage_gb_month=None if storage is None else Decimal(storage),
        s3_transfer_out_gb=Decimal("0.09"),
        kafka_ingress_gb=Decimal(0),
        kafka_egress_gb=Decimal(0),
        kafka_partition_hour=Decimal(0),
        kafka_cluster_hour=Decimal(0),
        rung_cap_usd=Decimal(1),
    )


def test_what_persists_is_priced_per_gb_month_and_an_unknown_price_is_not_free() -> None:
    items = [
        Persisting("oracle_pack", "s3://b/p/", 3, 2**30, ""),
        Persisting("evidence", "s3://b/e/", 2, 2**29, ""),
    ]
    priced = monthly_cost(items, _prices("0.023"))
    assert priced["stored_bytes"] == 3 * 2**29
    assert priced["monthly_cost_usd"] == "0.034500" and priced["priced"] is True
    unknown = monthly_cost(items, _prices(None))
    assert unknown["monthly_cost_usd"] is None and unknown["priced"] is False
