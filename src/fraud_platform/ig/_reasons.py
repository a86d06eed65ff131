"""Reason codes owned by the Ingestion Gate (docs/ig.md explains each in context).

Two kinds: request codes answer a whole HTTP request (400/401/403/404/413/415/429/503), and
quarantine codes are the typed failure kinds of one event (one code per kind, like Snowplow's
failed-event types), written with the event's full payload under `…/ig/quarantine/`.
"""

from fraud_platform.core.reasons import reason

__all__ = [
    "ENVELOPE_INVALID",
    "EVENT_TOO_LARGE",
    "EVENT_TYPE_NOT_INTENDED",
    "EVENT_TYPE_UNKNOWN",
    "IG_AUTH_INVALID",
    "IG_AUTH_MISSING",
    "IG_CONTENT_TYPE_UNSUPPORTED",
    "IG_DEPENDENCY_UNAVAILABLE",
    "IG_EVENT_UNKNOWN",
    "IG_PRINCIPAL_FORBIDDEN",
    "IG_RATE_LIMITED",
    "IG_RECEIPT_UNKNOWN",
    "IG_REQUEST_MALFORMED",
    "IG_REQUEST_TOO_LARGE",
    "IG_SETTINGS_INVALID",
    "PAYLOAD_HASH_MISMATCH",
    "PAYLOAD_SCHEMA_INVALID",
    "PINS_MISSING",
    "RUN_FOREIGN",
    "RUN_NOT_READY",
]

_OWNER = "ig"

# Whole-request answers.
IG_REQUEST_MALFORMED = reason(
    "IG_REQUEST_MALFORMED",
    "the request body is not JSON or not an ingest batch / envelope (HTTP 400)",
    owner=_OWNER,
)
IG_CONTENT_TYPE_UNSUPPORTED = reason(
    "IG_CONTENT_TYPE_UNSUPPORTED", "the request is not `application/json` (HTTP 415)", owner=_OWNER
)
IG_REQUEST_TOO_LARGE = reason(
    "IG_REQUEST_TOO_LARGE", "the request body or its event count is over IG's limit (HTTP 413)", owner=_OWNER
)
IG_AUTH_MISSING = reason(
    "IG_AUTH_MISSING", "no `Authorization: Bearer` service token (HTTP 401)", owner=_OWNER
)
IG_AUTH_INVALID = reason(
    "IG_AUTH_INVALID", "the service token does not verify under IG's signing key (HTTP 401)", owner=_OWNER
)
IG_PRINCIPAL_FORBIDDEN = reason(
    "IG_PRINCIPAL_FORBIDDEN", "the token's principal may not ingest events (HTTP 403)", owner=_OWNER
)
IG_RATE_LIMITED = reason(
    "IG_RATE_LIMITED",
    "over the configured request rate; retry after `Retry-After` (HTTP 429)",
    owner=_OWNER,
    transient=True,
)
IG_DEPENDENCY_UNAVAILABLE = reason(
    "IG_DEPENDENCY_UNAVAILABLE",
    "the object store, broker or state store is unreachable; retry after `Retry-After` (HTTP 503)",
    owner=_OWNER,
    transient=True,
)
IG_RECEIPT_UNKNOWN = reason("IG_RECEIPT_UNKNOWN", "no receipt with this id (HTTP 404)", owner=_OWNER)
IG_EVENT_UNKNOWN = reason(
    "IG_EVENT_UNKNOWN", "IG never admitted this event id in this run (HTTP 404)", owner=_OWNER
)
IG_SETTINGS_INVALID = reason(
    "IG_SETTINGS_INVALID",
    "an IG server setting or test hook is out of range or refused by the profile",
    owner=_OWNER,
)

# Quarantine kinds (one per failure kind of one event).
ENVELOPE_INVALID = reason(
    "ENVELOPE_INVALID", "the event breaks the envelope schema (types, patterns, unknown fields)", owner=_OWNER
)
PINS_MISSING = reason("PINS_MISSING", "the event lacks a required pin (run ids or world key)", owner=_OWNER)
EVENT_TOO_LARGE = reason("EVENT_TOO_LARGE", "the event is larger than IG's per-event limit", owner=_OWNER)
RUN_NOT_READY = reason(
    "RUN_NOT_READY", "no READY signal exists for the event's platform and scenario run", owner=_OWNER
)
RUN_FOREIGN = reason(
    "RUN_FOREIGN", "the event's world key or run ids differ from the READY signal of its run", owner=_OWNER
)
EVENT_TYPE_UNKNOWN = reason(
    "EVENT_TYPE_UNKNOWN", "the event type is no routed output of the engine catalogue", owner=_OWNER
)
EVENT_TYPE_NOT_INTENDED = reason(
    "EVENT_TYPE_NOT_INTENDED", "the event type is not among the outputs its READY intends", owner=_OWNER
)
PAYLOAD_SCHEMA_INVALID = reason(
    "PAYLOAD_SCHEMA_INVALID",
    "the payload lacks a catalogue column, has a wrong type, or a null where none is allowed",
    owner=_OWNER,
)
PAYLOAD_HASH_MISMATCH = reason(
    "PAYLOAD_HASH_MISMATCH",
    "an event id already admitted (or earlier in the batch) with other content",
    owner=_OWNER,
)
