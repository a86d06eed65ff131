"""The settings value types config hands to the substrate adapters: S3 credentials and Kafka settings.

Why here: config sits below substrate. Config resolves a role's key pair and Kafka settings from the
profile; the adapters (`substrate.factory`, the S3 and Kafka backends) take these values and never read
a profile themselves. Declaring the types in config lets config import nothing from substrate (an ast
test enforces it), while the substrate ports re-export them under their old names for callers.

Both are plain frozen dataclasses, SDK-free; `repr` never shows a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["KafkaSettings", "S3Credentials"]


@dataclass(frozen=True)
class S3Credentials:
    """An endpoint plus one role's key pair. `repr` never shows the secret."""

    endpoint_url: str | None
    region: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    role: str = "operator"


@dataclass(frozen=True)
class KafkaSettings:
    """How to reach a Kafka API. `repr` never shows the secret."""

    bootstrap: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    session_timeout_ms: int = 45000
    client_id: str = "fraud-platform"
    role: str = "operator"
