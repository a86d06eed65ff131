"""Reason codes owned by core."""

from fraud_platform.core.reasons import reason

INTERNAL_ERROR = reason("INTERNAL_ERROR", "an unexpected error; a bug, not a refusal", owner="core")
JSON_INVALID = reason("JSON_INVALID", "a JSON document could not be parsed or breaks cj1", owner="core")
CONTRACT_INVALID = reason("CONTRACT_INVALID", "a document does not match its contract schema", owner="core")
