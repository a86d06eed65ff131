"""The typed profile schema: one shape for every profile, so profiles differ only in values."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "BudgetsSection",
    "BusSection",
    "IgSection",
    "ObjectStoreSection",
    "OracleSection",
    "Profile",
    "StateSection",
]


class _Section(BaseModel):
    """Unknown keys are refused (PROFILE_INVALID): a typo must never silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectStoreSection(_Section):
    endpoint_url: str | None = Field(description="S3 API endpoint; null means the AWS default endpoint")
    region: str
    object_store_bucket: str
    evidence_bucket: str


class BusSection(_Section):
    bootstrap: str
    security_protocol: str
    sasl_mechanism: str | None
    api_key: SecretStr | None
    api_secret: SecretStr | None
    session_timeout_ms: int = Field(gt=0)


class StateSection(_Section):
    dsn: SecretStr = Field(description="SQLAlchemy DSN of the authority state store (may hold a password)")


class OracleSection(_Section):
    namespace: str
    engine_run_root: str | None
    scenario_id: str | None
    stream_view_root: str | None


class IgSection(_Section):
    url: str


class BudgetsSection(_Section):
    ladder: list[int] = Field(min_length=1)
    sr_evidence_deadline_s: int = Field(gt=0)
    landing_workers: int = Field(gt=0, le=64)
    sort_memory_limit_mb: int = Field(gt=0)


class Profile(_Section):
    """A resolved profile: every `${VAR}` pin already substituted."""

    profile: str
    rehearsal: bool = False
    object_store: ObjectStoreSection
    bus: BusSection
    state: StateSection
    oracle: OracleSection
    ig: IgSection
    budgets: BudgetsSection
