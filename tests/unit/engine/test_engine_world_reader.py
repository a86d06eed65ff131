"""The world read port: local folder and S3 readers agree on paths, listing and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import fraud_platform.substrate._reasons  # noqa: F401  (registers OBJECT_MISSING, as the real adapter does)
from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine import (
    LocalWorldReader,
    S3WorldReader,
    WorldReader,
    parse_run_receipt,
    read_run_receipt,
)
from fraud_platform.substrate.objectstore.port import ObjectInfo, S3Location

FILES = {
    "run_receipt.json": b"{}",
    "data/a/b/one.txt": b"1",
    "data/a/b/two.txt": b"22",
    "data/a/bc/three.txt": b"333",
    "data/a/b/deep/four.txt": b"4444",
    "logs/x.jsonl": b"{}\n",
}


class _DictStore:
    """Just enough of the ObjectStore port (get, head, list) to exercise the reader's key arithmetic.

    The real adapter is exercised by tests/integration/engine/test_engine_s3_world.py on SeaweedFS.
    """

    role = "test"

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def get(self, location: S3Location) -> bytes:
        if location.key not in self.objects:
            raise FailClosed("OBJECT_MISSING", location.key)
        return self.objects[location.key]

    def head(self, location: S3Location) -> ObjectInfo | None:
        data = self.objects.get(location.key)
        return None if data is None else ObjectInfo(location.key, len(data), "etag")

    def list(self, prefix: S3Location) -> Iterator[ObjectInfo]:
        for key in sorted(self.objects):
            if key.startswith(prefix.key):
                yield ObjectInfo(key, len(self.objects[key]), "etag")


def _local(tmp_path: Path) -> LocalWorldReader:
    for relative, data in FILES.items():
        target = tmp_path / "world" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return LocalWorldReader(tmp_path / "world")


def _s3() -> S3WorldReader:
    objects = {f"oracle-store/ns/run1/{k}": v for k, v in FILES.items()}
    objects["oracle-store/ns/run10/data/a/b/alien.txt"] = b"not ours"  # a sibling root sharing a prefix
    objects["oracle-store/ns/run1/data/a/b/"] = b""  # a folder marker
    return S3WorldReader(_DictStore(objects), S3Location("bucket", "oracle-store/ns/run1/"))  # type: ignore[arg-type]


@pytest.fixture(params=["local", "s3"])
def reader(request: pytest.FixtureRequest, tmp_path: Path) -> WorldReader:
    return _local(tmp_path) if request.param == "local" else _s3()


def test_local_and_s3_readers_give_the_same_answer_to_every_call(tmp_path: Path) -> None:
    """The port's promise is behaviour, not method names: one world read through either reader is one world.

    The S3 side holds a sibling root sharing the key prefix (`run10/`) and a folder marker, so an S3
    reader that matched raw key prefixes, or listed markers as files, would answer differently.
    """
    local, s3 = _local(tmp_path), _s3()
    for relative, data in FILES.items():
        assert local.read_bytes(relative) == s3.read_bytes(relative) == data
        assert local.exists(relative) and s3.exists(relative)
    for absent in ("data/a/b/alien.txt", "data/a", "run_receipt.json.bak"):
        assert not local.exists(absent) and not s3.exists(absent)
    for prefix in (
        "",
        "data",
        "data/a",
        "data/a/b",
        "data/a/b/",
        "data/a/bc",
        "data/a/b/deep",
        "logs",
        "none",
    ):
        assert local.list(prefix) == s3.list(prefix)
    assert s3.list("data/a") == sorted(k for k in FILES if k.startswith("data/a/"))


def test_read_and_exists(reader: WorldReader) -> None:
    assert reader.read_bytes("data/a/b/two.txt") == b"22"
    assert reader.exists("data/a/b/deep/four.txt")
    assert not reader.exists("data/a/b/absent.txt")
    assert not reader.exists("data/a/b")  # a folder is not a file
    with pytest.raises(FailClosed) as caught:
        reader.read_bytes("data/a/b/absent.txt")
    assert caught.value.code == "WORLD_OBJECT_MISSING"


def test_list_is_sorted_recursive_and_folder_scoped(reader: WorldReader) -> None:
    assert reader.list("data/a/b") == ["data/a/b/deep/four.txt", "data/a/b/one.txt", "data/a/b/two.txt"]
    assert reader.list("data/a/b/") == reader.list("data/a/b")
    assert reader.list("data/a/bc") == ["data/a/bc/three.txt"]
    assert reader.list("data/nothing") == []
    assert reader.list("") == sorted(FILES)


@pytest.mark.parametrize(
    "bad",
    [
        "../escape.txt",
        "/etc/passwd",
        "data/../../x",
        " data/a/b/one.txt",
        "data/a/b/one.txt\n",
        "a\\b",
        "s3://b/k",
    ],
)
def test_unsafe_paths_are_refused(reader: WorldReader, bad: str) -> None:
    for call in (reader.read_bytes, reader.exists, reader.list):
        with pytest.raises(FailClosed) as caught:
            call(bad)
        assert caught.value.code == "WORLD_PATH_INVALID"


def test_local_symlink_out_of_the_world_is_refused(tmp_path: Path) -> None:
    reader = _local(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    (tmp_path / "world" / "data" / "link.txt").symlink_to(outside)
    with pytest.raises(FailClosed) as caught:
        reader.read_bytes("data/link.txt")
    assert caught.value.code == "WORLD_PATH_INVALID"


def test_local_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FailClosed) as caught:
        LocalWorldReader(tmp_path / "absent")
    assert caught.value.code == "WORLD_OBJECT_MISSING"


def test_s3_reader_passes_other_store_errors_through() -> None:
    class _Denied(_DictStore):
        def get(self, location: S3Location) -> bytes:
            raise FailClosed("OBJECT_ACCESS_DENIED", location.key)

    reader = S3WorldReader(_Denied({}), S3Location("bucket", "root"))  # type: ignore[arg-type]
    with pytest.raises(FailClosed) as caught:
        reader.read_bytes("run_receipt.json")
    assert caught.value.code == "OBJECT_ACCESS_DENIED"


GOOD_RECEIPT = {
    "run_id": "c" * 32,
    "manifest_fingerprint": "a" * 64,
    "parameter_hash": "b" * 64,
    "seed": 42,
    "extra": 1,
}


def test_run_receipt_is_read_and_validated(tmp_path: Path) -> None:
    (tmp_path / "run_receipt.json").write_bytes(canonical_file_bytes(GOOD_RECEIPT))
    receipt = read_run_receipt(LocalWorldReader(tmp_path))
    assert (receipt.run_id, receipt.seed) == ("c" * 32, 42)
    assert receipt.world_values("s1")["scenario_id"] == "s1"


def test_run_receipt_missing(tmp_path: Path) -> None:
    with pytest.raises(FailClosed) as caught:
        read_run_receipt(LocalWorldReader(tmp_path))
    assert caught.value.code == "RUN_RECEIPT_MISSING"


@pytest.mark.parametrize(
    "change",
    [
        {"run_id": "c" * 31},
        {"manifest_fingerprint": "A" * 64},
        {"parameter_hash": None},
        {"seed": -1},
        {"seed": True},
        {"seed": "42"},
    ],
)
def test_run_receipt_invalid_fields(change: dict[str, object]) -> None:
    with pytest.raises(FailClosed) as caught:
        parse_run_receipt(canonical_file_bytes({**GOOD_RECEIPT, **change}))
    assert caught.value.code == "RUN_RECEIPT_INVALID"


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"run_id": "' + b"c" * 32 + b'"}', b'{"seed": NaN}'])
def test_run_receipt_unparseable(data: bytes) -> None:
    with pytest.raises(FailClosed) as caught:
        parse_run_receipt(data)
    assert caught.value.code == "RUN_RECEIPT_INVALID"
