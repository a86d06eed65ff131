"""The ladder's budget projection and its stop rules, with injected rung runners (no substrate)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fraud_platform.config.schema import PricingSection
from fraud_platform.obs.cost import CostEstimate, UsageSummary, estimate_cost
from fraud_platform.operate.lane.ladder import RungOutcome, climb, first_rung_floor, project_cost

_PRICES = PricingSection(
    currency="USD",
    taken_on="2026-12-03",
    s3_write_requests_per_1000=Decimal("0.005"),
    s3_read_requests_per_1000=Decimal("0.0004"),
    s3_storage_gb_month=Decimal("0.023"),
    s3_transfer_out_gb=Decimal("0.09"),
    kafka_ingress_gb=Decimal("0.05"),
    kafka_egress_gb=Decimal("0.05"),
    kafka_partition_hour=Decimal(0),
    kafka_cluster_hour=Decimal(0),
    rung_cap_usd=Decimal("1"),
)


def _usage(writes: int = 1000, reads: int = 3, produced: int = 0) -> UsageSummary:
    return UsageSummary(
        s3_write_requests=writes,
        s3_read_requests=reads,
        s3_free_requests=0,
        s3_stored_bytes=0,
        s3_transfer_out_bytes=0,
        kafka_bytes_produced=produced,
        kafka_bytes_consumed=0,
        kafka_partition_hours=Decimal("0.5"),
        kafka_cluster_hours=Decimal(0),
    )


def _cost(writes: int = 1000, prices: PricingSection = _PRICES) -> CostEstimate:
    return estimate_cost(_usage(writes=writes), prices)


class _Runner:
    """Plays back rung outcomes and records which rungs were asked to run."""

    def __init__(self, outcomes: list[tuple[str, CostEstimate | None]]) -> None:
        self.outcomes = outcomes
        self.called: list[int] = []

    def __call__(self, events: int) -> RungOutcome:
        verdict, cost = self.outcomes[len(self.called)]
        self.called.append(events)
        run_id = f"platform_2026120{len(self.called)}T000000Z"
        code = "OK" if verdict == "PASS" else "RECONCILIATION_FAILED"
        return RungOutcome(run_id, verdict, code, f"s3://ev/evidence/runs/{run_id}/run_completed.json", cost)


def test_projection_scales_every_usage_line_by_the_event_ratio_rounding_counts_up() -> None:
    projected = project_cost(_cost(writes=1000), 20, 200, _PRICES)
    assert projected.usage.s3_write_requests == 10_000
    assert projected.usage.s3_read_requests == 30
    assert projected.usage.kafka_partition_hours == Decimal("5.0")
    assert projected.total == Decimal("0.05") + Decimal("0.000012")  # 10 x 0.005 + 0.03 x 0.0004

    odd = project_cost(estimate_cost(_usage(writes=7, reads=1), _PRICES), 3, 10, _PRICES)
    assert odd.usage.s3_write_requests == 24  # 7 x 10 / 3 = 23.33 → 24, never rounded down
    assert odd.usage.s3_read_requests == 4


def test_projection_keeps_an_unpriced_line_unpriced() -> None:
    unknown = _PRICES.model_copy(update={"kafka_ingress_gb": None})
    previous = estimate_cost(_usage(produced=2**20), unknown)
    assert project_cost(previous, 20, 200, unknown).unpriced == ("kafka_ingress",)


def test_every_rung_runs_in_order_when_all_pass_under_the_cap() -> None:
    runner = _Runner([("PASS", _cost(writes=10)), ("PASS", _cost(writes=100)), ("PASS", _cost())])
    result = climb([20, 200, 400], runner, _PRICES, Decimal("1"))
    assert result.ok and result.code == "OK"
    assert runner.called == [20, 200, 400]
    assert [r.status for r in result.rungs] == ["PASS", "PASS", "PASS"]
    assert result.rungs[0].projected_usd == first_rung_floor(_PRICES).total  # checked against the floor
    assert result.rungs[1].projected_usd == Decimal("0.0005") + Decimal("0.000012")
    assert result.rungs[1].cost_usd == _cost(writes=100).total


def test_the_first_failing_rung_stops_the_ladder() -> None:
    runner = _Runner([("PASS", _cost(writes=10)), ("FAIL", _cost(writes=10)), ("PASS", _cost())])
    result = climb([20, 200, 400], runner, _PRICES, Decimal("1"))
    assert not result.ok and result.code == "RECONCILIATION_FAILED"
    assert runner.called == [20, 200]
    assert [r.status for r in result.rungs] == ["PASS", "FAIL"]
    assert result.rungs[-1].platform_run_id == "platform_20261202T000000Z"


def test_a_rung_projected_over_the_cap_is_refused_before_it_starts() -> None:
    runner = _Runner([("PASS", _cost(writes=1000)), ("PASS", _cost())])
    result = climb([20, 200], runner, _PRICES, Decimal("0.01"))
    assert result.code == "BUDGET_EXCEEDED"
    assert runner.called == [20]  # rung 2 never ran, so no run id was minted for it
    refused = result.rungs[-1]
    assert (refused.status, refused.events_per_output, refused.platform_run_id) == ("REFUSED", 200, None)
    assert refused.projected_usd == Decimal("0.050012") and "0.01 USD cap" in refused.detail


def test_a_projection_exactly_at_the_cap_passes() -> None:
    runner = _Runner([("PASS", _cost(writes=1000)), ("PASS", _cost())])
    assert climb([20, 200], runner, _PRICES, Decimal("0.050012")).ok
    assert runner.called == [20, 200]


def test_an_unpriced_line_refuses_the_next_rung_rather_than_counting_as_free() -> None:
    unknown = _PRICES.model_copy(update={"kafka_ingress_gb": None})
    runner = _Runner([("PASS", estimate_cost(_usage(produced=2**20), unknown)), ("PASS", None)])
    result = climb([20, 200], runner, unknown, Decimal("100"))
    assert result.code == "PRICE_TABLE_INCOMPLETE" and runner.called == [20]


def test_a_passing_rung_without_a_cost_cannot_be_projected_so_the_next_is_refused() -> None:
    runner = _Runner([("PASS", None), ("PASS", _cost())])
    result = climb([20, 200], runner, _PRICES, Decimal("100"))
    assert result.code == "TELEMETRY_INVALID" and runner.called == [20]


def test_the_first_rung_is_checked_against_the_floor_before_it_runs() -> None:
    runner = _Runner([("PASS", _cost(writes=10**9))])
    assert climb([20], runner, _PRICES, first_rung_floor(_PRICES).total).ok  # at the cap passes
    refused = climb([20], runner, _PRICES, Decimal(0))
    assert refused.code == "BUDGET_EXCEEDED" and runner.called == [20]  # the refused climb ran nothing
    assert refused.rungs[0].status == "REFUSED" and refused.rungs[0].platform_run_id is None
    free = _PRICES.model_copy(update={"s3_write_requests_per_1000": Decimal(0)})
    assert climb([20], _Runner([("PASS", _cost())]), free, Decimal(0)).ok


@pytest.mark.parametrize("rungs", [[], [20, 0], [-5]])
def test_an_empty_or_non_positive_ladder_is_a_caller_bug(rungs: list[int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        climb(rungs, _Runner([]), _PRICES, Decimal(1))
