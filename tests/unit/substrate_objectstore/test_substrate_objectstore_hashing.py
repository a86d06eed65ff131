"""The hash-as-it-passes helpers: content, chunk bounds, digests and the fail-closed verify."""

from __future__ import annotations

import hashlib

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.objectstore import ChunkReader, HashingReader, iter_hashed

_CHUNKS = [b"abc", b"", b"defgh", b"i" * 10]
_DATA = b"".join(_CHUNKS)


def test_iter_hashed_passes_chunks_unchanged_and_hashes_them() -> None:
    hasher = hashlib.sha256()
    assert list(iter_hashed(iter(_CHUNKS), hasher)) == _CHUNKS
    assert hasher.hexdigest() == hashlib.sha256(_DATA).hexdigest()


@pytest.mark.parametrize("size", [1, 2, 4, 7, 100])
def test_reads_of_any_size_give_the_bytes_in_order(size: int) -> None:
    reader = HashingReader(iter(_CHUNKS))
    out = []
    while chunk := reader.read(size):
        assert len(chunk) <= size
        out.append(chunk)
    assert b"".join(out) == _DATA
    assert reader.bytes_read == len(_DATA)
    assert reader.hexdigest() == hashlib.sha256(_DATA).hexdigest()


def test_read_all_and_iteration_after_a_partial_read() -> None:
    reader = ChunkReader(iter(_CHUNKS))
    assert reader.read(2) == b"ab"
    assert reader.read() == _DATA[2:]
    assert reader.read(5) == b""
    again = ChunkReader(iter(_CHUNKS))
    assert again.read(1) == b"a"
    assert b"".join(again) == _DATA[1:]


def test_verify_fails_closed_on_a_wrong_size_or_digest_and_passes_on_the_right_one() -> None:
    HashingReader(iter(_CHUNKS)).verify(len(_DATA), hashlib.sha256(_DATA).hexdigest())
    with pytest.raises(FailClosed) as caught:
        HashingReader(iter(_CHUNKS)).verify(len(_DATA) - 1, hashlib.sha256(_DATA[:-1]).hexdigest())
    assert caught.value.code == "OBJECT_DIGEST_MISMATCH"
    with pytest.raises(FailClosed):
        HashingReader(iter(_CHUNKS)).verify(len(_DATA), "0" * 64)
