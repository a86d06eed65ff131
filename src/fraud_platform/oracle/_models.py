"""Shared pieces of the Oracle's JSON contracts: a strict base model and the carried digest form."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import ReasonCode

__all__ = ["HEX64", "Sha256Digest", "StrictModel", "document_bytes", "parse_document"]

HEX64 = r"^[0-9a-f]{64}$"

_M = TypeVar("_M", bound=BaseModel)


class StrictModel(BaseModel):
    """Unknown fields are refused (the JSON Schema says `additionalProperties: false`); immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sha256Digest(StrictModel):
    """The carried digest form of CONTRACTS.md: `{"algo": "sha256", "hex": …}`."""

    algo: Literal["sha256"] = "sha256"
    hex: str = Field(pattern=HEX64)

    @classmethod
    def of(cls, carried: dict[str, str]) -> Sha256Digest:
        """From the dict `fraud_platform.core.canonical.digest_of` returns."""
        return cls(algo="sha256", hex=carried["hex"])


def document_bytes(model: BaseModel) -> bytes:
    """The bytes of a JSON contract object in S3: cj1 canonical bytes plus one newline."""
    return canonical_file_bytes(model.model_dump(mode="json"))


def parse_document(model: type[_M], data: bytes, code: ReasonCode, what: str) -> _M:
    """Parse and validate a contract object, failing closed with `code` on any defect."""
    try:
        raw: Any = parse_json_bytes(data)
        return model.model_validate(raw)
    except (ValueError, ValidationError) as error:
        raise FailClosed(code, f"{what} does not match its contract: {_first_line(error)}") from error


def _first_line(error: Exception) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__
