"""Path safety of landing sources and the names a pack root reserves."""

from __future__ import annotations

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.layout import PackRoot, default_root_uri, is_reserved, view_manifest_name
from fraud_platform.oracle.paths import check_landable, safe_relative_path


@pytest.mark.parametrize(
    "path",
    [
        "run_receipt.json",
        "data/layer3/6B/s3_event_stream_with_fraud_6B/seed=42/part-000000.parquet",
        "logs/engine.log",
        "a b/ünïcode.json",
    ],
)
def test_plain_relative_paths_are_safe(path: str) -> None:
    assert safe_relative_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "C:/windows",
        "../outside",
        "data/../../outside",
        "data/./x",
        "data//x",
        "data/x/",
        "data\\x",
        "data/\x00nul",
        "data/line\nbreak",
        "data/\udcffundecodable",
        "x" * 901,
    ],
)
def test_unsafe_paths_fail_closed(path: str) -> None:
    with pytest.raises(FailClosed) as caught:
        safe_relative_path(path)
    assert caught.value.code == "LANDING_PATH_UNSAFE"


@pytest.mark.parametrize(
    "path", ["_oracle/landing_manifest.json", "_SEALED.json", "stream_view/x", "_oracle_pack_manifest.json"]
)
def test_reserved_oracle_names_cannot_be_landed(path: str) -> None:
    assert is_reserved(path)
    with pytest.raises(FailClosed) as caught:
        check_landable(path)
    assert caught.value.code == "LANDING_PATH_RESERVED"


def test_engine_names_that_merely_look_alike_are_not_reserved() -> None:
    assert not is_reserved("data/_oracle/x")
    assert not is_reserved("stream_views.json")
    assert check_landable("data/layer1/1A/validation/_passed.flag")


def test_pack_root_parsing_normalises_the_trailing_slash_and_refuses_bucket_roots() -> None:
    root = PackRoot.parse("s3://bucket/oracle-store/local_parity/abc")
    assert root.uri == "s3://bucket/oracle-store/local_parity/abc/"
    assert root.child("run_receipt.json").key == "oracle-store/local_parity/abc/run_receipt.json"
    assert root.relative("oracle-store/local_parity/abc/data/x") == "data/x"
    assert root.stream_receipt("o1").key.endswith("stream_view/ts_utc/output_id=o1/_stream_sort_receipt.json")
    digest = "ab" * 32
    assert (
        root.pack_manifest(digest).key == f"oracle-store/local_parity/abc/_oracle/pack_manifest/{digest}.json"
    )
    assert view_manifest_name("0123456789abcdef") == "attempt=0123456789abcdef/_stream_view_manifest.json"
    with pytest.raises(ValueError):
        root.pack_manifest("../../_SEALED")
    for bad in ("s3://bucket/", "s3://bucket", "http://x/y", "s3://bucket/a/../b"):
        with pytest.raises(FailClosed) as caught:
            PackRoot.parse(bad)
        assert caught.value.code == "ORACLE_ROOT_INVALID"


def test_default_root_is_built_from_plain_segments_only() -> None:
    assert default_root_uri("b", "dev_min", "0" * 32) == f"s3://b/oracle-store/dev_min/{'0' * 32}/"
    with pytest.raises(FailClosed):
        default_root_uri("b", "dev_min", "../x")
