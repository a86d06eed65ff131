"""The cost estimate of a run: its own telemetry priced by the profile's price table, in exact decimals.

Why here: the validation ladder must refuse the next rung *before* it spends money, so every rung's
spend is estimated from what the run itself moved (the telemetry counters of
`fraud_platform.substrate.telemetry.snapshot()`), never from a cloud bill that arrives a day later.

Pricing model (docs/observability.md, "Cost estimate"):

- S3 requests by class: writes (PUT, COPY, POST, LIST and the multipart calls) and reads (GET, HEAD
  and every other request); DELETE and AbortMultipartUpload are free and not priced.
- S3 storage: the GB stored, priced for one month.
- S3 transfer out: bytes leaving the region; the lane runs inside the region, so callers pass 0
  unless they know better.
- Kafka (Confluent Cloud): GB written (produced bytes), GB read (consumed bytes), partition-hours and
  cluster-hours of the run.

GB are binary (2**30 bytes), as both AWS and Confluent bill them. Every amount is a `Decimal` rounded
half-up to 1e-6 USD per line; the total is the sum of the rounded lines, so the figures printed add up.
A price of None ("not known") never counts as free: its line is marked unpriced and
:func:`check_budget` refuses (`PRICE_TABLE_INCOMPLETE`) when that line carries usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fraud_platform.config.schema import PricingSection
from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import BUDGET_EXCEEDED, PRICE_TABLE_INCOMPLETE, TELEMETRY_INVALID

__all__ = [
    "GIB",
    "CostEstimate",
    "CostLine",
    "RequestClass",
    "UsageSummary",
    "check_budget",
    "estimate_cost",
    "request_class",
    "summarize_usage",
]

GIB = Decimal(2**30)
_QUANTUM = Decimal("0.000001")
_THOUSAND = Decimal(1000)

RequestClass = Literal["write", "read", "free"]

_FREE_PREFIXES = ("Delete", "AbortMultipartUpload")
_WRITE_PREFIXES = ("Put", "Copy", "Post", "List", "Create", "Complete", "UploadPart", "Restore")


def request_class(operation: str) -> RequestClass:
    """The S3 price class of a botocore operation name (`PutObject`, `ListObjectsV2`, `HeadObject`…).

    AWS prices PUT, COPY, POST and LIST (and the multipart calls, which are PUTs and POSTs on the
    wire) at the write rate, GET and every other request at the read rate, and DELETE/abort for free.
    """
    if operation.startswith(_FREE_PREFIXES):
        return "free"
    if operation.startswith(_WRITE_PREFIXES):
        return "write"
    return "read"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UsageSummary(_Frozen):
    """What a run moved and held, in the units the price table is written in."""

    s3_write_requests: int = Field(ge=0)
    s3_read_requests: int = Field(ge=0)
    s3_free_requests: int = Field(ge=0)
    s3_stored_bytes: int = Field(ge=0)
    s3_transfer_out_bytes: int = Field(ge=0)
    kafka_bytes_produced: int = Field(ge=0)
    kafka_bytes_consumed: int = Field(ge=0)
    kafka_partition_hours: Decimal = Field(ge=0)
    kafka_cluster_hours: Decimal = Field(ge=0)


class CostLine(_Frozen):
    """One priced line: `quantity` in `unit`, times `unit_price` (None when the table does not know it)."""

    item: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    amount: Decimal

    @property
    def unpriced_usage(self) -> bool:
        """True when this line has usage but no known price (so the estimate is a lower bound)."""
        return self.unit_price is None and self.quantity > 0


class CostEstimate(_Frozen):
    """Per-line and total estimate of one run, USD; `complete` is False when a used line has no price."""

    currency: Literal["USD"] = "USD"
    prices_taken_on: str
    lines: tuple[CostLine, ...]
    total: Decimal
    usage: UsageSummary

    @property
    def unpriced(self) -> tuple[str, ...]:
        """Items with usage but no known price."""
        return tuple(line.item for line in self.lines if line.unpriced_usage)

    @property
    def complete(self) -> bool:
        """Whether every line with usage was priced."""
        return not self.unpriced


def _as_count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FailClosed(TELEMETRY_INVALID, f"{where} is not a non-negative integer", {"where": where})
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FailClosed(TELEMETRY_INVALID, f"{where} is not a mapping", {"where": where})
    return value


def summarize_usage(
    snapshot: Mapping[str, Any],
    *,
    stored_bytes: int,
    transfer_out_bytes: int = 0,
    kafka_partition_hours: Decimal = Decimal(0),
    kafka_cluster_hours: Decimal = Decimal(0),
) -> UsageSummary:
    """Fold a telemetry snapshot (the shape `substrate.telemetry.snapshot()` returns) into usage.

    Every S3 request counts, errors and retries included, because each one is billed. Raises
    FailClosed(TELEMETRY_INVALID) on a snapshot of the wrong shape rather than guessing zero.
    """
    by_class = {"write": 0, "read": 0, "free": 0}
    for role, operations in _mapping(snapshot.get("s3", {}), "s3").items():
        for operation, counter in _mapping(operations, f"s3.{role}").items():
            where = f"s3.{role}.{operation}.requests"
            by_class[request_class(operation)] += _as_count(_mapping(counter, where).get("requests"), where)
    produced = consumed = 0
    for role, topics in _mapping(snapshot.get("kafka", {}), "kafka").items():
        for topic, directions in _mapping(topics, f"kafka.{role}").items():
            for direction, counter in _mapping(directions, f"kafka.{role}.{topic}").items():
                where = f"kafka.{role}.{topic}.{direction}.bytes"
                nbytes = _as_count(_mapping(counter, where).get("bytes"), where)
                if direction == "produce":
                    produced += nbytes
                elif direction == "consume":
                    consumed += nbytes
                else:
                    raise FailClosed(
                        TELEMETRY_INVALID, f"unknown Kafka direction at {where}", {"where": where}
                    )
    return UsageSummary(
        s3_write_requests=by_class["write"],
        s3_read_requests=by_class["read"],
        s3_free_requests=by_class["free"],
        s3_stored_bytes=_as_count(stored_bytes, "stored_bytes"),
        s3_transfer_out_bytes=_as_count(transfer_out_bytes, "transfer_out_bytes"),
        kafka_bytes_produced=produced,
        kafka_bytes_consumed=consumed,
        kafka_partition_hours=kafka_partition_hours,
        kafka_cluster_hours=kafka_cluster_hours,
    )


def _line(item: str, quantity: Decimal, unit: str, price: Decimal | None) -> CostLine:
    amount = Decimal(0) if price is None else (quantity * price).quantize(_QUANTUM, ROUND_HALF_UP)
    return CostLine(item=item, quantity=quantity, unit=unit, unit_price=price, amount=amount)


def estimate_cost(usage: UsageSummary, prices: PricingSection) -> CostEstimate:
    """Price `usage` with the profile's table; pure arithmetic, no I/O, same answer every time."""
    lines = (
        _line(
            "s3_write_requests",
            Decimal(usage.s3_write_requests) / _THOUSAND,
            "1000 requests",
            prices.s3_write_requests_per_1000,
        ),
        _line(
            "s3_read_requests",
            Decimal(usage.s3_read_requests) / _THOUSAND,
            "1000 requests",
            prices.s3_read_requests_per_1000,
        ),
        _line("s3_storage", Decimal(usage.s3_stored_bytes) / GIB, "GB-month", prices.s3_storage_gb_month),
        _line("s3_transfer_out", Decimal(usage.s3_transfer_out_bytes) / GIB, "GB", prices.s3_transfer_out_gb),
        _line("kafka_ingress", Decimal(usage.kafka_bytes_produced) / GIB, "GB", prices.kafka_ingress_gb),
        _line("kafka_egress", Decimal(usage.kafka_bytes_consumed) / GIB, "GB", prices.kafka_egress_gb),
        _line(
            "kafka_partition_hours",
            usage.kafka_partition_hours,
            "partition-hour",
            prices.kafka_partition_hour,
        ),
        _line("kafka_cluster_hours", usage.kafka_cluster_hours, "cluster-hour", prices.kafka_cluster_hour),
    )
    return CostEstimate(
        prices_taken_on=prices.taken_on,
        lines=lines,
        total=sum((line.amount for line in lines), Decimal(0)),
        usage=usage,
    )


def check_budget(estimate: CostEstimate, cap: Decimal) -> None:
    """Refuse a run whose estimate is over `cap` USD, or that cannot be proven under it.

    Raises FailClosed(PRICE_TABLE_INCOMPLETE) when a line with usage has no known price (an unknown
    price is never treated as free), then FailClosed(BUDGET_EXCEEDED) when the total is above `cap`.
    A total exactly at the cap passes.
    """
    refs = {"total_usd": str(estimate.total), "cap_usd": str(cap)}
    if not estimate.complete:
        raise FailClosed(
            PRICE_TABLE_INCOMPLETE,
            f"no known price for {', '.join(estimate.unpriced)}, which this run used",
            {**refs, "unpriced": list(estimate.unpriced)},
        )
    if estimate.total > cap:
        raise FailClosed(BUDGET_EXCEEDED, f"estimated {estimate.total} USD is over the {cap} USD cap", refs)
