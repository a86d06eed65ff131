"""The cost estimate: exact Decimal arithmetic, request classes, unknown prices, the budget check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from fraud_platform.config import load_profile
from fraud_platform.config.schema import PricingSection
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import BUDGET_EXCEEDED, PRICE_TABLE_INCOMPLETE, TELEMETRY_INVALID
from fraud_platform.obs.cost import (
    GIB,
    check_budget,
    estimate_cost,
    request_class,
    summarize_usage,
)
from fraud_platform.substrate import telemetry


def _prices(**overrides: Any) -> PricingSection:
    base: dict[str, Any] = {
        "currency": "USD",
        "taken_on": "2026-12-03",
        "s3_write_requests_per_1000": Decimal("0.005"),
        "s3_read_requests_per_1000": Decimal("0.0004"),
        "s3_storage_gb_month": Decimal("0.023"),
        "s3_transfer_out_gb": Decimal("0.09"),
        "kafka_ingress_gb": Decimal("0.05"),
        "kafka_egress_gb": Decimal("0.05"),
        "kafka_partition_hour": Decimal("0.0015"),
        "kafka_cluster_hour": Decimal("0"),
        "rung_cap_usd": Decimal("1"),
    }
    base.update(overrides)
    return PricingSection(**base)


def _snapshot() -> dict[str, Any]:
    def s3(requests: int) -> dict[str, int]:
        return {"requests": requests, "errors": 0, "bytes_sent": 0, "bytes_received": 0}

    return {
        "s3": {
            "oracle_lander": {"PutObject": s3(1500), "CreateMultipartUpload": s3(10), "UploadPart": s3(490)},
            "wsp": {"GetObject": s3(2000), "HeadObject": s3(500), "ListObjectsV2": s3(1000)},
            "operator": {"DeleteObject": s3(77), "AbortMultipartUpload": s3(3)},
        },
        "kafka": {
            "ig": {"fp.bus.traffic.fraud.v1": {"produce": {"messages": 10, "bytes": 2**30}}},
            "reporter": {"fp.bus.traffic.fraud.v1": {"consume": {"messages": 10, "bytes": 2**29}}},
        },
        "totals": {},
    }


def test_request_classes_follow_the_aws_price_classes() -> None:
    assert [request_class(op) for op in ("PutObject", "CopyObject", "ListObjectsV2", "UploadPart")] == [
        "write"
    ] * 4
    assert [request_class(op) for op in ("CompleteMultipartUpload", "CreateBucket")] == ["write", "write"]
    assert [request_class(op) for op in ("GetObject", "HeadObject", "HeadBucket")] == ["read"] * 3
    assert [request_class(op) for op in ("DeleteObject", "DeleteObjects", "AbortMultipartUpload")] == [
        "free"
    ] * 3


def test_estimate_is_exact_per_line_and_in_total() -> None:
    usage = summarize_usage(
        _snapshot(),
        stored_bytes=2 * 2**30,
        transfer_out_bytes=0,
        kafka_partition_hours=Decimal("8"),
        kafka_cluster_hours=Decimal("1"),
    )
    assert (usage.s3_write_requests, usage.s3_read_requests, usage.s3_free_requests) == (3000, 2500, 80)
    estimate = estimate_cost(usage, _prices())
    amounts = {line.item: line.amount for line in estimate.lines}
    assert amounts == {
        "s3_write_requests": Decimal("0.015000"),  # 3 x 0.005
        "s3_read_requests": Decimal("0.001000"),  # 2.5 x 0.0004
        "s3_storage": Decimal("0.046000"),  # 2 GB x 0.023
        "s3_transfer_out": Decimal("0.000000"),
        "kafka_ingress": Decimal("0.050000"),  # 1 GB x 0.05
        "kafka_egress": Decimal("0.025000"),  # 0.5 GB x 0.05
        "kafka_partition_hours": Decimal("0.012000"),  # 8 x 0.0015
        "kafka_cluster_hours": Decimal("0.000000"),
    }
    assert estimate.total == Decimal("0.149000")
    assert estimate.currency == "USD" and estimate.complete
    assert estimate.prices_taken_on == "2026-12-03"


def test_each_line_rounds_half_up_to_a_micro_dollar_and_the_total_is_their_sum() -> None:
    usage = summarize_usage(
        {"s3": {"wsp": {"GetObject": {"requests": 1}, "PutObject": {"requests": 1}}}}, stored_bytes=1
    )
    estimate = estimate_cost(usage, _prices())
    amounts = {line.item: line.amount for line in estimate.lines}
    # 1/1000 x 0.0004 = 0.0000004 -> 0.000000; 1/1000 x 0.005 = 0.000005 exactly.
    assert amounts["s3_read_requests"] == Decimal("0.000000")
    assert amounts["s3_write_requests"] == Decimal("0.000005")
    assert amounts["s3_storage"] == Decimal("0.000000")  # 1 byte / 2**30 x 0.023
    assert estimate.total == sum(amounts.values(), Decimal(0)) == Decimal("0.000005")
    assert Decimal(1073741824) == GIB


def test_budget_check_passes_at_the_cap_and_refuses_above_it() -> None:
    usage = summarize_usage({"s3": {"sr": {"PutObject": {"requests": 200}}}}, stored_bytes=0)
    estimate = estimate_cost(usage, _prices())
    assert estimate.total == Decimal("0.001000")
    check_budget(estimate, Decimal("0.001"))
    with pytest.raises(FailClosed) as caught:
        check_budget(estimate, Decimal("0.000999"))
    assert caught.value.code == BUDGET_EXCEEDED
    assert caught.value.refs == {"total_usd": "0.001000", "cap_usd": "0.000999"}


def test_an_unknown_price_with_usage_is_never_free() -> None:
    usage = summarize_usage(_snapshot(), stored_bytes=0)
    estimate = estimate_cost(usage, _prices(kafka_ingress_gb=None))
    assert not estimate.complete and estimate.unpriced == ("kafka_ingress",)
    with pytest.raises(FailClosed) as caught:
        check_budget(estimate, Decimal("1000"))
    assert caught.value.code == PRICE_TABLE_INCOMPLETE
    assert caught.value.refs["unpriced"] == ["kafka_ingress"]


def test_an_unknown_price_without_usage_does_not_block() -> None:
    usage = summarize_usage({"s3": {"sr": {"GetObject": {"requests": 5}}}}, stored_bytes=0)
    estimate = estimate_cost(usage, _prices(kafka_ingress_gb=None, kafka_egress_gb=None))
    assert estimate.complete
    check_budget(estimate, Decimal("0.01"))


@pytest.mark.parametrize(
    "snapshot",
    [
        {"s3": {"sr": {"GetObject": {"requests": -1}}}},
        {"s3": {"sr": {"GetObject": {"requests": 1.5}}}},
        {"s3": {"sr": ["GetObject"]}},
        {"kafka": {"ig": {"t": {"sideways": {"bytes": 1}}}}},
    ],
)
def test_a_malformed_snapshot_is_refused(snapshot: dict[str, Any]) -> None:
    with pytest.raises(FailClosed) as caught:
        summarize_usage(snapshot, stored_bytes=0)
    assert caught.value.code == TELEMETRY_INVALID


def test_the_live_telemetry_snapshot_shape_is_accepted() -> None:
    telemetry.reset()
    try:
        telemetry.record_s3("wsp", "GetObject", requests=1000, bytes_received=10)
        telemetry.record_kafka("ig", "fp.bus.audit.v1", "produce", messages=3, nbytes=2**30)
        usage = summarize_usage(telemetry.snapshot(), stored_bytes=0)
    finally:
        telemetry.reset()
    assert (usage.s3_read_requests, usage.kafka_bytes_produced) == (1000, 2**30)
    assert estimate_cost(usage, _prices()).total == Decimal("0.050400")


def test_both_shipped_profiles_carry_a_price_table_of_the_same_shape(tmp_path: Any) -> None:
    local_env = {
        "FP_HOME": str(tmp_path),
        "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:1",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:2",
        "FP_LOCAL_STATE_DSN": f"sqlite:///{tmp_path}/a.sqlite",
        "FP_LOCAL_IG_PORT": "3",
    }
    local = load_profile("local_parity", env=local_env, fp_home=tmp_path).pricing
    prices = {k: getattr(local, k) for k in type(local).model_fields if k not in ("currency", "taken_on")}
    assert prices and all(value == Decimal(0) for value in prices.values())
    # The table dumps as exact decimal strings, so a profile view or digest never sees a float.
    assert local.model_dump()["s3_read_requests_per_1000"] == "0"
    usage = summarize_usage(_snapshot(), stored_bytes=2**40)
    assert estimate_cost(usage, local).total == Decimal(0)


def test_the_dev_min_table_prices_s3_and_confluent_basic_list_prices() -> None:
    table = PricingSection.model_validate(raw_profile("dev_min")["pricing"])
    assert table.taken_on == "2026-12-03"
    assert (table.s3_write_requests_per_1000, table.s3_read_requests_per_1000) == (
        Decimal("0.005"),
        Decimal("0.0004"),
    )
    assert (table.kafka_ingress_gb, table.kafka_egress_gb) == (Decimal("0.05"), Decimal("0.05"))
    estimate = estimate_cost(summarize_usage(_snapshot(), stored_bytes=2**30), table)
    # writes 3000 x 0.005/1000 + reads 2500 x 0.0004/1000 + 1 GB x 0.023 + 1 GB in + 0.5 GB out x 0.05
    assert estimate.total == Decimal("0.015") + Decimal("0.001") + Decimal("0.023") + Decimal("0.075")
    assert estimate.complete
    check_budget(estimate, table.rung_cap_usd)
    with pytest.raises(FailClosed) as caught:
        check_budget(estimate, Decimal("0.1"))
    assert caught.value.code == BUDGET_EXCEEDED


@pytest.mark.parametrize(
    "overrides",
    [{"s3_read_requests_per_1000": Decimal("-0.0004")}, {"currency": "EUR"}, {"s3_get_per_1000": "1"}],
)
def test_a_price_table_with_a_negative_price_another_currency_or_a_typo_is_refused(
    overrides: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        _prices(**overrides)
