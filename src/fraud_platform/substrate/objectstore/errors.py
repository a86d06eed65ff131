"""Translation of botocore errors into the platform's error tree, in one place.

    botocore ClientError
      NoSuchKey / 404 / NotFound           → FailClosed(missing_code)        default OBJECT_MISSING
      NoSuchBucket                         → FailClosed(OBJECT_BUCKET_MISSING)
      AccessDenied / 403 / bad key pair    → FailClosed(OBJECT_ACCESS_DENIED)
      PreconditionFailed / 412             → FailClosed(precondition_code)   default OBJECT_CONFLICT
      BadDigest (body ≠ its checksum)      → FailClosed(OBJECT_DIGEST_MISMATCH)
      ConditionalRequestConflict / 409     → contended_code                  default OBJECT_WRITE_CONTENDED
      InvalidRange / 416                   → FailClosed(OBJECT_RANGE_INVALID)
      NotImplemented / 501                 → FailClosed(OBJECT_STORE_FEATURE_UNSUPPORTED)
      5xx, SlowDown, RequestTimeout        → TransientError(OBJECT_STORE_UNAVAILABLE)
      anything else                        → FailClosed(OBJECT_STORE_REQUEST_FAILED)
    botocore HTTPClientError / ConnectionError (refused, timeout, reset) → TransientError(OBJECT_STORE_UNAVAILABLE)
    botocore NoCredentialsError / PartialCredentialsError    → FailClosed(OBJECT_ACCESS_DENIED)
    any other BotoCoreError                                  → FailClosed(OBJECT_STORE_REQUEST_FAILED)

Every translation is raised `from` the original, and details carry the S3 URI, the AWS error code
and the HTTP status, never credentials (the error tree redacts registered secrets as well).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.reasons import ReasonCode, lookup
from fraud_platform.substrate._reasons import (
    OBJECT_ACCESS_DENIED,
    OBJECT_BUCKET_MISSING,
    OBJECT_CONFLICT,
    OBJECT_DIGEST_MISMATCH,
    OBJECT_MISSING,
    OBJECT_RANGE_INVALID,
    OBJECT_STORE_FEATURE_UNSUPPORTED,
    OBJECT_STORE_REQUEST_FAILED,
    OBJECT_STORE_UNAVAILABLE,
    OBJECT_WRITE_CONTENDED,
)
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["aws_error_code", "map_s3_errors", "translate_client_error"]

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_DENIED_CODES = frozenset(
    {"AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
)
_PRECONDITION_CODES = frozenset({"PreconditionFailed", "412"})
_DIGEST_CODES = frozenset({"BadDigest"})
_CONTENDED_CODES = frozenset({"ConditionalRequestConflict", "OperationAborted"})
_RANGE_CODES = frozenset({"InvalidRange", "416"})
_UNSUPPORTED_CODES = frozenset({"NotImplemented", "501"})
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "503",
        "500",
    }
)


def aws_error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError (`NoSuchKey`, `412`, …), or "" when absent."""
    return str(error.response.get("Error", {}).get("Code", ""))


def _http_status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def translate_client_error(
    error: ClientError,
    where: str,
    *,
    missing_code: ReasonCode = OBJECT_MISSING,
    precondition_code: ReasonCode = OBJECT_CONFLICT,
    contended_code: ReasonCode = OBJECT_WRITE_CONTENDED,
) -> PlatformError:
    """The platform error for one ClientError (not raised: the caller raises it `from` the original)."""
    code = aws_error_code(error)
    status = _http_status(error)
    operation = str(getattr(error, "operation_name", "") or "")
    message = str(error.response.get("Error", {}).get("Message", ""))
    refs: dict[str, Any] = {"where": where, "operation": operation, "aws_code": code, "http_status": status}
    detail = f"{operation} {where}: {code or status} {message}".strip()
    reason: ReasonCode
    if code == "NoSuchBucket":
        reason = OBJECT_BUCKET_MISSING
    elif code in _MISSING_CODES or (status == 404 and not code.startswith("NoSuch")):
        reason = missing_code
    elif code in _DENIED_CODES or status == 403:
        reason = OBJECT_ACCESS_DENIED
    elif code in _PRECONDITION_CODES or status == 412:
        reason = precondition_code
    elif code in _DIGEST_CODES:
        reason = OBJECT_DIGEST_MISMATCH
    elif code in _CONTENDED_CODES:
        reason = contended_code
    elif code in _RANGE_CODES or status == 416:
        reason = OBJECT_RANGE_INVALID
    elif code in _UNSUPPORTED_CODES or status == 501:
        reason = OBJECT_STORE_FEATURE_UNSUPPORTED
    elif code in _TRANSIENT_CODES or status >= 500:
        reason = OBJECT_STORE_UNAVAILABLE
    else:
        reason = OBJECT_STORE_REQUEST_FAILED
    if lookup(reason).transient:
        return TransientError(reason, detail, refs)
    return FailClosed(reason, detail, refs)


@contextmanager
def map_s3_errors(
    where: S3Location | str = "",
    *,
    missing_code: ReasonCode = OBJECT_MISSING,
    precondition_code: ReasonCode = OBJECT_CONFLICT,
    contended_code: ReasonCode = OBJECT_WRITE_CONTENDED,
) -> Iterator[None]:
    """Translate every botocore error raised inside the block; `where` names the object or bucket.

    The codes for 404, 412 and 409 are parameters because their meaning depends on the call: a 412
    is a write-once conflict for `put_if_absent` and a lost compare-and-swap for `put_if_match`.
    """
    label = str(where)
    try:
        yield
    except ClientError as error:
        raise translate_client_error(
            error,
            label,
            missing_code=missing_code,
            precondition_code=precondition_code,
            contended_code=contended_code,
        ) from error
    except (HTTPClientError, BotoConnectionError) as error:
        raise TransientError(
            OBJECT_STORE_UNAVAILABLE, f"{label}: {type(error).__name__}: {error}", {"where": label}
        ) from error
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise FailClosed(OBJECT_ACCESS_DENIED, f"{label}: {error}", {"where": label}) from error
    except BotoCoreError as error:
        raise FailClosed(
            OBJECT_STORE_REQUEST_FAILED, f"{label}: {type(error).__name__}: {error}", {"where": label}
        ) from error
