"""IG's HTTP face (FastAPI): routes, status codes and the error body; the work is in `service.py`.

Status codes (the contract WSP is built against):
    200 decisions for any well-formed request (a bad event is a QUARANTINE decision, not an error)
    400 malformed request (not JSON, not a batch or an envelope object, bad query)
    401 no or bad service token · 403 principal may not ingest · 404 unknown receipt/event/route
    413 over the size or event-count limit · 415 not application/json
    429 over the rate (Retry-After) · 503 a dependency (S3, broker, state store) down (Retry-After)
Errors carry `{"code", "detail"}` with a registered reason code. The request body is read raw and
decoded once (FastAPI's model parsing would turn a bad event into a 422 for the whole batch), and
its declared schema is added to the OpenAPI document by hand so clients and fuzzers still see it.
A 200 body is the service's answer encoded once (`IngestAnswer.json_bytes`): returned as a model,
FastAPI would dump it to dicts, validate those into a second copy and dump that, which cost as much
per event as admission's schema check. `response_model` still documents it in the OpenAPI document.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.eb.envelope import Envelope, EventDecision, IngestBatch, IngestBatchResponse
from fraud_platform.ig._reasons import (
    IG_AUTH_INVALID,
    IG_AUTH_MISSING,
    IG_CONTENT_TYPE_UNSUPPORTED,
    IG_DEPENDENCY_UNAVAILABLE,
    IG_EVENT_UNKNOWN,
    IG_PRINCIPAL_FORBIDDEN,
    IG_RATE_LIMITED,
    IG_RECEIPT_UNKNOWN,
    IG_REQUEST_MALFORMED,
    IG_REQUEST_TOO_LARGE,
)
from fraud_platform.ig.metrics import CONTENT_TYPE
from fraud_platform.ig.queries import event_admissions, receipt_document
from fraud_platform.ig.runtime import IgRuntime
from fraud_platform.ig.service import IngestAnswer

__all__ = ["API_TITLE", "ErrorBody", "create_app"]

API_TITLE = "fraud-platform Ingestion Gate"
_STATUS = {
    IG_REQUEST_MALFORMED: 400,
    IG_AUTH_MISSING: 401,
    IG_AUTH_INVALID: 401,
    IG_PRINCIPAL_FORBIDDEN: 403,
    IG_RECEIPT_UNKNOWN: 404,
    IG_EVENT_UNKNOWN: 404,
    IG_REQUEST_TOO_LARGE: 413,
    IG_CONTENT_TYPE_UNSUPPORTED: 415,
    IG_RATE_LIMITED: 429,
}
_RETRY = frozenset({429, 503})


class ErrorBody(BaseModel):
    """The body of every non-200 answer."""

    code: str
    detail: str


def _error(code: str, detail: str, status: int, retry_after_s: int) -> JSONResponse:
    headers = {"Retry-After": str(retry_after_s)} if status in _RETRY else None
    return JSONResponse({"code": code, "detail": detail}, status_code=status, headers=headers)


def _answer(error: PlatformError, retry_after_s: int) -> JSONResponse:
    status = _STATUS.get(error.code)
    if status is not None:
        return _error(error.code, error.detail, status, retry_after_s)
    # Anything else came from a dependency (store, broker, state store): retryable from the client's side.
    return _error(IG_DEPENDENCY_UNAVAILABLE, f"{error.code}: {error.detail}", 503, retry_after_s)


async def _read_body(request: Request, limit: int) -> bytes:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise FailClosed(IG_CONTENT_TYPE_UNSUPPORTED, "send the body as application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FailClosed(IG_REQUEST_TOO_LARGE, f"body of {declared} bytes > {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FailClosed(IG_REQUEST_TOO_LARGE, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number overflows a double")
    return value


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"non-finite JSON constant {constant}")


def _decode(body: bytes) -> Any:
    """Strict JSON: UTF-8, finite numbers only (cj1 cannot carry NaN/Infinity, so neither can a receipt)."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite)
    except (ValueError, RecursionError) as error:
        raise FailClosed(
            IG_REQUEST_MALFORMED, "the body is not valid JSON (UTF-8, finite numbers)"
        ) from error


def _batch_events(document: Any, max_events: int) -> list[Any]:
    if (
        not isinstance(document, dict)
        or set(document) != {"events"}
        or not isinstance(document["events"], list)
    ):
        raise FailClosed(IG_REQUEST_MALFORMED, 'an ingest batch is {"events": [envelope, ...]}')
    events: list[Any] = document["events"]
    if len(events) > max_events:
        raise FailClosed(IG_REQUEST_TOO_LARGE, f"{len(events)} events > {max_events}")
    return events


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 413, 415, 429, 503)
}


def create_app(runtime: IgRuntime) -> FastAPI:
    """The IG application bound to one runtime (one per process)."""
    app = FastAPI(title=API_TITLE, version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    service = runtime.service
    settings = service.settings
    retry = settings.retry_after_s

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        return _error(IG_REQUEST_MALFORMED, str(first.get("msg", "invalid request")), 400, retry)

    async def _ingest(request: Request) -> list[Any] | JSONResponse:
        try:
            principal = runtime.authenticator.ingest_principal(request.headers.get("authorization"))
            runtime.limiter.take()
            body = await _read_body(request, settings.max_body_bytes)
            # The receipts' admission_ms counts from here: decoding onwards is IG's time, not the network's.
            arrived = service.clock.monotonic()
            return [principal, _decode(body), arrived]
        except PlatformError as error:
            return _answer(error, retry)

    async def _decide(events: list[Any], principal: str, arrived: float) -> IngestAnswer | JSONResponse:
        try:
            await run_in_threadpool(runtime.ensure_tables)
            return await run_in_threadpool(service.ingest, events, principal, arrived=arrived)
        except PlatformError as error:
            return _answer(error, retry)

    @app.post(
        "/v1/ingest/batch",
        response_model=IngestBatchResponse,
        responses=_ERRORS,
        openapi_extra=_body_schema(IngestBatch),
    )
    async def ingest_batch(request: Request) -> Any:
        """Decide a batch of envelopes: one decision per event, in request order."""
        received = await _ingest(request)
        if isinstance(received, JSONResponse):
            return received
        principal, document, arrived = received
        try:
            events = _batch_events(document, settings.max_batch_events)
        except FailClosed as error:
            return _answer(error, retry)
        decided = await _decide(events, principal, arrived)
        if isinstance(decided, JSONResponse):
            return decided
        return Response(decided.json_bytes(), media_type="application/json")

    @app.post(
        "/v1/ingest/event",
        response_model=EventDecision,
        responses=_ERRORS,
        openapi_extra=_body_schema(Envelope),
    )
    async def ingest_event(request: Request) -> Any:
        """Decide one envelope (the same checks as a batch of one)."""
        received = await _ingest(request)
        if isinstance(received, JSONResponse):
            return received
        principal, document, arrived = received
        if not isinstance(document, dict):
            return _error(IG_REQUEST_MALFORMED, "the body is one envelope object", 400, retry)
        decided = await _decide([document], principal, arrived)
        if isinstance(decided, JSONResponse):
            return decided
        return Response(decided.decision_json_bytes(0), media_type="application/json")

    @app.get("/v1/receipts/{receipt_id}", responses=_ERRORS)
    def get_receipt(receipt_id: str, request: Request) -> Any:
        """The receipt of one decision."""
        try:
            runtime.authenticator.principal(request.headers.get("authorization"))
            runtime.ensure_tables()
            return receipt_document(service, receipt_id)
        except PlatformError as error:
            return _answer(error, retry)

    @app.get("/v1/events/{event_id}", responses=_ERRORS)
    def get_event(event_id: str, platform_run_id: str, request: Request) -> Any:
        """Where an event of a run was admitted (one entry per event class using the id)."""
        try:
            runtime.authenticator.principal(request.headers.get("authorization"))
            runtime.ensure_tables()
            return event_admissions(service, platform_run_id, event_id)
        except PlatformError as error:
            return _answer(error, retry)

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        """The process is up (no dependency is contacted)."""
        return {"ok": True}

    @app.get("/readyz", responses={503: {"model": ErrorBody}})
    def readyz() -> Any:
        """S3, the broker and the state store are reachable."""
        try:
            return {"ok": True, **runtime.check_ready()}
        except PlatformError as error:
            return _answer(error, retry)

    @app.get("/metrics", response_class=Response)
    def metrics() -> Response:
        """Prometheus text exposition."""
        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    return app
