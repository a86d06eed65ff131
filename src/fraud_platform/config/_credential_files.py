"""Read one issued-credentials JSON document from FP_HOME, failing closed on every way it can be wrong.

Role key pairs (`credentials/roles.json`) and service tokens (`credentials/service_tokens.json`) are
both JSON objects written by bootstrap; one reader gives both the same refusals: absent (not issued
yet, with a hint of the command that issues it), not JSON, or not an object.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fraud_platform.config._reasons import CREDENTIALS_INVALID, CREDENTIALS_MISSING
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed

__all__ = ["read_credential_document"]


def read_credential_document(
    path: Path, missing_detail: str, refs: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON object at `path`.

    Raises:
        FailClosed(CREDENTIALS_MISSING): the file is absent (`missing_detail` says what to run).
        FailClosed(CREDENTIALS_INVALID): it is not JSON, or not a JSON object.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise FailClosed(CREDENTIALS_MISSING, missing_detail, dict(refs or {})) from error
    try:
        document = parse_json_bytes(raw)
    except ValueError as error:
        raise FailClosed(CREDENTIALS_INVALID, f"{path} is not JSON", {"path": str(path)}) from error
    if not isinstance(document, dict):
        raise FailClosed(CREDENTIALS_INVALID, f"{path} must be a JSON object", {"path": str(path)})
    return document
