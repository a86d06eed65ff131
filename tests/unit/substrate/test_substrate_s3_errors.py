"""Unit tests of `map_s3_errors`: every botocore failure lands on one platform code, raised `from` it."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.redact import register_secret
from fraud_platform.substrate._reasons import OBJECT_CAS_CONFLICT
from fraud_platform.substrate.objectstore.errors import map_s3_errors
from fraud_platform.substrate.objectstore.port import S3Location

_WHERE = S3Location("bucket", "key/a.json")


def _client_error(code: str, status: int, operation: str = "PutObject", message: str = "msg") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


def _translate(error: Exception, **codes: str) -> PlatformError:
    with pytest.raises(PlatformError) as caught, map_s3_errors(_WHERE, **codes):  # type: ignore[arg-type]
        raise error
    assert caught.value.__cause__ is error
    return caught.value


@pytest.mark.parametrize(
    ("code", "status", "expected", "transient"),
    [
        ("NoSuchKey", 404, "OBJECT_MISSING", False),
        ("404", 404, "OBJECT_MISSING", False),
        ("NoSuchBucket", 404, "OBJECT_BUCKET_MISSING", False),
        ("AccessDenied", 403, "OBJECT_ACCESS_DENIED", False),
        ("InvalidAccessKeyId", 403, "OBJECT_ACCESS_DENIED", False),
        ("SignatureDoesNotMatch", 403, "OBJECT_ACCESS_DENIED", False),
        ("403", 403, "OBJECT_ACCESS_DENIED", False),
        ("PreconditionFailed", 412, "OBJECT_CONFLICT", False),
        ("ConditionalRequestConflict", 409, "OBJECT_WRITE_CONTENDED", True),
        ("NotImplemented", 501, "OBJECT_STORE_FEATURE_UNSUPPORTED", False),
        ("InternalError", 500, "OBJECT_STORE_UNAVAILABLE", True),
        ("SlowDown", 503, "OBJECT_STORE_UNAVAILABLE", True),
        ("BadGateway", 502, "OBJECT_STORE_UNAVAILABLE", True),
        ("InvalidBucketName", 400, "OBJECT_STORE_REQUEST_FAILED", False),
        ("BadDigest", 400, "OBJECT_DIGEST_MISMATCH", False),
    ],
)
def test_client_errors_map_to_codes(code: str, status: int, expected: str, transient: bool) -> None:
    error = _translate(_client_error(code, status))
    assert error.code == expected
    assert isinstance(error, TransientError) is transient
    assert error.transient is transient
    assert error.refs["aws_code"] == code
    assert error.refs["http_status"] == status
    assert "s3://bucket/key/a.json" in error.detail


def test_call_sites_choose_what_412_404_and_409_mean() -> None:
    codes = {
        "missing_code": OBJECT_CAS_CONFLICT,
        "precondition_code": OBJECT_CAS_CONFLICT,
        "contended_code": OBJECT_CAS_CONFLICT,
    }
    for code, status in (
        ("PreconditionFailed", 412),
        ("NoSuchKey", 404),
        ("ConditionalRequestConflict", 409),
    ):
        error = _translate(_client_error(code, status), **codes)
        assert error.code == "OBJECT_CAS_CONFLICT"
        assert isinstance(error, FailClosed)


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    ],
)
def test_connection_trouble_is_transient(error: Exception) -> None:
    translated = _translate(error)
    assert isinstance(translated, TransientError)
    assert translated.code == "OBJECT_STORE_UNAVAILABLE"


def test_missing_credentials_are_access_denied_and_bad_params_a_request_failure() -> None:
    assert _translate(NoCredentialsError()).code == "OBJECT_ACCESS_DENIED"
    assert _translate(ParamValidationError(report="bad Bucket")).code == "OBJECT_STORE_REQUEST_FAILED"


def test_registered_secrets_never_ride_out_in_details() -> None:
    register_secret("s3-secret-in-a-message")
    error = _translate(_client_error("AccessDenied", 403, message="key s3-secret-in-a-message refused"))
    assert "s3-secret-in-a-message" not in str(error)
    assert "s3-secret-in-a-message" not in error.detail


def test_non_botocore_errors_pass_through_untouched() -> None:
    with pytest.raises(KeyError), map_s3_errors(_WHERE):
        raise KeyError("ours")
