"""The typed profile schema: one shape for every profile, so profiles differ only in values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from fraud_platform.config._endpoints import bootstrap_hosts, http_url_host

__all__ = [
    "KAFKA_SECURITY_PROTOCOLS",
    "BudgetsSection",
    "BusSection",
    "IgSection",
    "LineageSection",
    "ObjectStoreSection",
    "OracleSection",
    "PricingSection",
    "Profile",
    "ProfileSource",
    "StateSection",
]

KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")


class _Section(BaseModel):
    """Unknown keys are refused (PROFILE_INVALID): a typo must never silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectStoreSection(_Section):
    endpoint_url: str | None = Field(description="S3 API endpoint; null means the AWS default endpoint")
    region: str
    object_store_bucket: str
    evidence_bucket: str

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint_is_http(cls, value: str | None) -> str | None:
        if value is not None and http_url_host(value) is None:
            raise ValueError("endpoint_url must be an http(s):// URL with a host, or null")
        return value


class BusSection(_Section):
    bootstrap: str
    security_protocol: str
    sasl_mechanism: str | None
    api_key: SecretStr | None
    api_secret: SecretStr | None
    session_timeout_ms: int = Field(gt=0)

    @field_validator("bootstrap")
    @classmethod
    def _bootstrap_has_hosts(cls, value: str) -> str:
        if not bootstrap_hosts(value) or any(not host for host in bootstrap_hosts(value)):
            raise ValueError("bootstrap must be host:port[,host:port...]")
        return value

    @field_validator("security_protocol")
    @classmethod
    def _known_protocol(cls, value: str) -> str:
        if value not in KAFKA_SECURITY_PROTOCOLS:
            raise ValueError(f"security_protocol must be one of {', '.join(KAFKA_SECURITY_PROTOCOLS)}")
        return value

    @model_validator(mode="after")
    def _sasl_is_complete(self) -> BusSection:
        # A SASL protocol without a mechanism or key pair would fail at the broker, far from the cause.
        if self.security_protocol.startswith("SASL_") and (
            not self.sasl_mechanism or self.api_key is None or self.api_secret is None
        ):
            raise ValueError("a SASL security_protocol needs sasl_mechanism, api_key and api_secret")
        return self


class StateSection(_Section):
    dsn: SecretStr = Field(description="SQLAlchemy DSN of the authority state store (may hold a password)")


class OracleSection(_Section):
    namespace: str
    engine_run_root: str | None
    scenario_id: str | None
    stream_view_root: str | None


class IgSection(_Section):
    url: str

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        if http_url_host(value) is None:
            raise ValueError("the IG url must be an http(s):// URL with a host")
        return value


class BudgetsSection(_Section):
    ladder: list[int] = Field(min_length=1)
    sr_evidence_deadline_s: int = Field(gt=0)
    landing_workers: int = Field(gt=0, le=64)
    sort_memory_limit_mb: int = Field(gt=0)


# Prices dump as exact decimal strings ("0.0004"), never floats: a profile view or digest stays exact.
_Price = Annotated[Decimal, PlainSerializer(lambda value: format(value, "f"), return_type=str)]


class PricingSection(_Section):
    """List prices a run's cost estimate is priced with (obs/cost.py); USD, exact decimals.

    A price of null means "not known": usage on that line makes the estimate refuse a budget check
    (PRICE_TABLE_INCOMPLETE) rather than count it as free. GB are binary (2**30 bytes).
    """

    currency: str = Field(pattern="^USD$")
    taken_on: str = Field(
        description="the date the list prices were read (YYYY-MM-DD), or 'n/a' for zero tables"
    )
    s3_write_requests_per_1000: _Price | None = Field(ge=0, description="PUT, COPY, POST, LIST class")
    s3_read_requests_per_1000: _Price | None = Field(ge=0, description="GET, HEAD and every other request")
    s3_storage_gb_month: _Price | None = Field(ge=0)
    s3_transfer_out_gb: _Price | None = Field(ge=0, description="out of the region; zero within it")
    kafka_ingress_gb: _Price | None = Field(ge=0)
    kafka_egress_gb: _Price | None = Field(ge=0)
    kafka_partition_hour: _Price | None = Field(ge=0)
    kafka_cluster_hour: _Price | None = Field(ge=0)
    rung_cap_usd: _Price = Field(ge=0, description="budget cap of one ladder rung (BUDGET_EXCEEDED above it)")


class LineageSection(_Section):
    openlineage_url: str | None = Field(description="OpenLineage HTTP endpoint base URL; null sends nothing")

    @field_validator("openlineage_url")
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        if value is not None and http_url_host(value) is None:
            raise ValueError("the OpenLineage url must be an http(s):// URL with a host")
        return value


@dataclass(frozen=True)
class ProfileSource:
    """Where a profile's pins came from, so credentials are read from the same place (never another)."""

    env: Mapping[str, str] = field(repr=False)  # holds secrets: never in a repr or a log line
    fp_home: Path | None = None


class Profile(_Section):
    """A resolved profile: every `${VAR}` pin already substituted.

    `rehearsal` is never written in a profile file; the loader sets it (dev_min only). The private
    `_source` remembers the env and FP_HOME the pins were resolved from; it is not part of the model's
    data, so it never reaches a dump, a digest or a display.
    """

    profile: str
    rehearsal: bool = False
    object_store: ObjectStoreSection
    bus: BusSection
    state: StateSection
    oracle: OracleSection
    ig: IgSection
    budgets: BudgetsSection
    pricing: PricingSection
    lineage: LineageSection
    _source: ProfileSource | None = PrivateAttr(default=None)

    @property
    def source(self) -> ProfileSource | None:
        """The env and FP_HOME this profile was loaded with (None when built directly)."""
        return self._source
