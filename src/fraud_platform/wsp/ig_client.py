"""The HTTP client WSP talks to IG with: one batch per call, retried only when IG says "not now".

`POST {ig_url}/v1/ingest/batch` with the `wsp` principal's bearer token. The outcome of a batch is
one of: an `IngestBatchResponse` with exactly one decision per event, in request order (anything
else is WSP_IG_RESPONSE_INVALID: WSP cannot checkpoint what it cannot attribute); a retry after
408/429/503, a timeout or a connection error (bounded by the `RetryPolicy`, then
TransientError(WSP_IG_UNAVAILABLE)); or a terminal refusal (any other 4xx: WSP_IG_REFUSED, any
other 5xx: WSP_IG_SERVER_ERROR). The token never appears in errors or logs: it is registered as a
secret and only ever sent as a header.

The transport is injectable (`httpx.MockTransport` in unit tests), so the retry and attribution
logic is exercised without a server; integration tests use the real IG on loopback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from pydantic import ValidationError

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.redact import register_secret
from fraud_platform.eb.envelope import Envelope, IngestBatch, IngestBatchResponse
from fraud_platform.wsp._reasons import (
    WSP_IG_REFUSED,
    WSP_IG_RESPONSE_INVALID,
    WSP_IG_SERVER_ERROR,
    WSP_IG_UNAVAILABLE,
)
from fraud_platform.wsp.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

__all__ = ["BATCH_PATH", "IgClient"]

BATCH_PATH = "/v1/ingest/batch"
_BODY_EXCERPT = 300


class IgClient:
    """A thread-safe client of IG's batch endpoint (one connection pool shared by every output)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        register_secret(token)
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        self.attempts = 0

    @staticmethod
    def encode(events: Sequence[Envelope]) -> bytes:
        """The request body of a batch (callers may prepare it ahead of `send`)."""
        return IngestBatch(events=list(events)).model_dump_json().encode("utf-8")

    def send(self, events: Sequence[Envelope], body: bytes | None = None) -> IngestBatchResponse:
        """Send one batch until IG answers it for good; returns its decisions, one per event, in order.

        `body` is `encode(events)` when the caller prepared it already.
        """
        body = self.encode(events) if body is None else body
        slept = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            retry_after: float | None = None
            try:
                response = self._client.post(BATCH_PATH, content=body)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                problem = f"{type(error).__name__}"
            else:
                if response.status_code == 200:
                    return _decisions(response, events)
                if response.status_code not in RETRYABLE_STATUSES:
                    raise _terminal(response)
                problem = f"HTTP {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            delay = self._policy.delay(attempt, retry_after)
            if attempt >= self._policy.max_attempts or slept + delay > self._policy.max_total_sleep_s:
                raise TransientError(
                    WSP_IG_UNAVAILABLE,
                    f"IG did not take a batch of {len(events)} after {attempt} attempt(s): last {problem}",
                    {"attempts": attempt, "last": problem, "slept_s": round(slept, 3)},
                )
            self._sleep(delay)
            slept += delay

    def close(self) -> None:
        self._client.close()


def _terminal(response: httpx.Response) -> FailClosed:
    code = WSP_IG_SERVER_ERROR if response.status_code >= 500 else WSP_IG_REFUSED
    refs: dict[str, Any] = {"status": response.status_code, "body": response.text[:_BODY_EXCERPT]}
    return FailClosed(code, f"IG answered HTTP {response.status_code} to a batch", refs)


def _decisions(response: httpx.Response, events: Sequence[Envelope]) -> IngestBatchResponse:
    try:
        answer = IngestBatchResponse.model_validate_json(response.content)
    except ValidationError as error:
        raise FailClosed(
            WSP_IG_RESPONSE_INVALID,
            f"IG's 200 body is not an IngestBatchResponse: {error.error_count()} error(s)",
        ) from error
    sent = [event.event_id for event in events]
    answered = [decision.event_id for decision in answer.decisions]
    if answered != sent:
        raise FailClosed(
            WSP_IG_RESPONSE_INVALID,
            f"IG answered {len(answered)} decision(s) for {len(sent)} event(s), not one per event in order",
            {"batch_id": answer.batch_id},
        )
    return answer
