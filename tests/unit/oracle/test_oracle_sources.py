"""Local landing sources: listing, symlinks, special files and change detection (no network)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.sources import LocalFolderSource, hash_stream, open_source


def _tree(root: Path) -> Path:
    (root / "data" / "a").mkdir(parents=True)
    (root / "run_receipt.json").write_bytes(b"{}\n")
    (root / "data" / "a" / "part-0.parquet").write_bytes(b"x" * 1000)
    return root


def test_listing_is_sorted_relative_and_sized(tmp_path: Path) -> None:
    source = LocalFolderSource(_tree(tmp_path))
    files = source.list_files()
    assert [(f.path, f.size) for f in files] == [("data/a/part-0.parquet", 1000), ("run_receipt.json", 3)]
    assert source.read_all(files[0]) == b"x" * 1000
    assert source.read_optional("run_receipt.json") == b"{}\n"
    assert source.read_optional("absent.json") is None


def test_a_symlink_inside_the_source_is_landed_as_its_target(tmp_path: Path) -> None:
    root = _tree(tmp_path / "w")
    os.symlink(root / "run_receipt.json", root / "data" / "alias.json")
    files = {f.path: f for f in LocalFolderSource(root).list_files()}
    assert files["data/alias.json"].size == 3


def test_a_symlink_leaving_the_source_fails_closed(tmp_path: Path) -> None:
    root = _tree(tmp_path / "w")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, root / "data" / "escape.txt")
    with pytest.raises(FailClosed) as caught:
        LocalFolderSource(root).list_files()
    assert caught.value.code == "LANDING_PATH_UNSAFE"


def test_a_directory_symlink_fails_closed_even_inside(tmp_path: Path) -> None:
    root = _tree(tmp_path / "w")
    os.symlink(root / "data", root / "loop")
    with pytest.raises(FailClosed) as caught:
        LocalFolderSource(root).list_files()
    assert caught.value.code == "LANDING_PATH_UNSAFE"


def test_special_files_and_reserved_names_fail_closed(tmp_path: Path) -> None:
    root = _tree(tmp_path / "w")
    os.mkfifo(root / "data" / "pipe")
    with pytest.raises(FailClosed) as caught:
        LocalFolderSource(root).list_files()
    assert caught.value.code == "LANDING_PATH_UNSAFE"
    root2 = _tree(tmp_path / "w2")
    (root2 / "_SEALED.json").write_text("{}")
    with pytest.raises(FailClosed) as caught:
        LocalFolderSource(root2).list_files()
    assert caught.value.code == "LANDING_PATH_RESERVED"


def test_a_file_changed_after_listing_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    source = LocalFolderSource(root)
    part = source.list_files()[0]
    (root / part.path).write_bytes(b"y" * 1001)
    with pytest.raises(FailClosed) as caught:
        source.read_all(part)
    assert caught.value.code == "LANDING_SOURCE_CHANGED"
    (root / part.path).unlink()
    with pytest.raises(FailClosed) as caught:
        source.confirm_unchanged(part)
    assert caught.value.code == "LANDING_SOURCE_CHANGED"


def test_empty_or_absent_sources_are_invalid(tmp_path: Path) -> None:
    with pytest.raises(FailClosed) as caught:
        open_source(str(tmp_path / "absent"), None)
    assert caught.value.code == "LANDING_SOURCE_INVALID"
    with pytest.raises(FailClosed) as caught:
        LocalFolderSource(tmp_path).list_files()
    assert caught.value.code == "LANDING_SOURCE_INVALID"
    with pytest.raises(FailClosed) as caught:
        open_source("s3://bucket/world/", None)
    assert caught.value.code == "LANDING_SOURCE_INVALID"


def test_hash_stream_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    data = os.urandom(9 * 1024 * 1024 + 17)
    path = tmp_path / "big"
    path.write_bytes(data)
    with path.open("rb") as stream:
        assert hash_stream(stream) == (hashlib.sha256(data).hexdigest(), len(data))
