"""The landing manifest: canonical bytes, root digest, and every way it can be refused."""

from __future__ import annotations

import json

import pytest

from fraud_platform.core.canonical import canonical_file_bytes, digest_of
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.manifest import LandingEntry, build_manifest, parse_manifest

_SHA_A = "a" * 64
_SHA_B = "b" * 64


def _entries() -> list[LandingEntry]:
    return [
        LandingEntry(path="run_receipt.json", size=10, sha256=_SHA_A),
        LandingEntry(path="data/x.parquet", size=5, sha256=_SHA_B),
    ]


def test_build_sorts_by_path_and_digests_the_sorted_entries() -> None:
    manifest = build_manifest("r" * 32, _entries())
    assert [entry.path for entry in manifest.entries] == ["data/x.parquet", "run_receipt.json"]
    assert manifest.file_count == 2 and manifest.total_bytes == 15
    expected = digest_of([entry.model_dump() for entry in manifest.entries])
    assert manifest.root_digest.hex == expected["hex"]


def test_manifest_bytes_are_cj1_and_round_trip() -> None:
    manifest = build_manifest("r" * 32, _entries())
    data = manifest.to_bytes()
    assert data == canonical_file_bytes(json.loads(data))
    assert parse_manifest(data) == manifest


def test_the_same_content_gives_the_same_bytes_whatever_the_order() -> None:
    assert (
        build_manifest("r", _entries()).to_bytes()
        == build_manifest("r", list(reversed(_entries()))).to_bytes()
    )


def test_a_tampered_entry_breaks_the_root_digest() -> None:
    document = json.loads(build_manifest("r", _entries()).to_bytes())
    document["entries"][0]["size"] = 6
    document["total_bytes"] = 16
    with pytest.raises(FailClosed) as caught:
        parse_manifest(canonical_file_bytes(document))
    assert caught.value.code == "LANDING_DIGEST_MISMATCH"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(file_count=3),
        lambda d: d["entries"].reverse(),
        lambda d: d["entries"].append(dict(d["entries"][0])),
        lambda d: d["entries"][0].update(path="../x"),
        lambda d: d["entries"][0].update(path="_SEALED.json"),
        lambda d: d.update(extra_field=1),
        lambda d: d["entries"][0].update(sha256="XYZ"),
    ],
)
def test_malformed_manifests_are_refused(mutate: object) -> None:
    document = json.loads(build_manifest("r", _entries()).to_bytes())
    mutate(document)  # type: ignore[operator]
    with pytest.raises(FailClosed) as caught:
        parse_manifest(canonical_file_bytes(document))
    assert caught.value.code in ("LANDING_MANIFEST_INVALID", "LANDING_DIGEST_MISMATCH")


def test_non_json_is_invalid() -> None:
    with pytest.raises(FailClosed) as caught:
        parse_manifest(b"{not json")
    assert caught.value.code == "LANDING_MANIFEST_INVALID"
