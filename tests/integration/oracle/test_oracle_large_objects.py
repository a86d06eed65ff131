"""Objects larger than memory: the streamed landing branch, from a folder and from an S3 source.

A file above `IN_MEMORY_MAX` is hashed in one streaming pass and then sent as a multipart upload
(re-hashed on the way, completed only when the digest matches). The fast tests land a 72 MiB object
that way through `fp oracle land`, re-read it with `fp oracle verify`, and compare the manifest's
SHA-256 with a hash the test computed itself while writing the source; a source object replaced by
a rival writer at each point of the two passes must fail LANDING_SOURCE_CHANGED, nothing committed.
The `slow` test lands and verifies a 1 GiB object from both source kinds as `fp` subprocesses and
bounds their peak RSS; the 6 GiB proof is `make bench BENCH=bigobject`.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bigobject_it import FP, MIB, run_measured, write_big_file, write_run_receipt
from oracle_it import fp, fresh_root

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle import OracleRuntime, PackRoot, land_world
from fraud_platform.oracle._transfer import IN_MEMORY_MAX
from fraud_platform.oracle.manifest import load_manifest
from fraud_platform.oracle.sources import S3PrefixSource, SourceFile
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.hashing import ByteSource
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.objectstore.s3 import DEFAULT_PART_SIZE

pytestmark = pytest.mark.integration

_BIG = "data/big.bin"
_SIZE = 72 * MIB + 3  # above IN_MEMORY_MAX: 4 full 16 MiB parts and a short fifth
_PARTS = -(-_SIZE // DEFAULT_PART_SIZE)


def _world(folder: Path, size: int) -> tuple[Path, str]:
    """A world of a run receipt and one big file; (folder, SHA-256 of the big file)."""
    write_run_receipt(folder)
    return folder, write_big_file(folder / _BIG, size, os.urandom(8 * MIB))


def _stage(runtime: OracleRuntime, world: Path) -> str:
    """Copy a world folder under a fresh prefix of the bucket (the S3 source); returns its s3:// URI."""
    prefix = S3Location(runtime.bucket, f"_tmp/big-worlds/{uuid.uuid4().hex}/")
    for path in sorted(p for p in world.rglob("*") if p.is_file()):
        with path.open("rb") as stream:
            runtime.store.put_stream_if_absent(
                prefix.child(path.relative_to(world).as_posix()),
                stream,
                path.stat().st_size,
                sha256_hex=_sha256_of(path),
            )
    return prefix.uri


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(8 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


def _land_and_verify(local_substrates: LocalSubstrates, source: str, dest: PackRoot, world: Path) -> None:
    total = sum(path.stat().st_size for path in world.rglob("*") if path.is_file())
    code, landed = fp(
        local_substrates,
        [
            "oracle",
            "land",
            "--source",
            source,
            "--source-profile",
            "local_parity",
            "--dest",
            dest.uri,
            "--role",
            "operator",
        ],
    )
    assert code == 0 and landed["ok"] is True, landed
    assert landed["files"] == 2 and landed["uploaded_files"] == 2 and landed["bytes"] == total
    code, verified = fp(
        local_substrates, ["oracle", "verify", "--root", dest.uri, "--source", source, "--role", "operator"]
    )
    assert code == 0 and verified["problems"] == [], verified
    assert verified["bytes_read"] == 2 * total  # every byte re-read on both sides


def _assert_streamed_and_exact(runtime: OracleRuntime, dest: PackRoot, sha256: str) -> None:
    """The manifest holds the independent SHA-256, and the object went up in parts (streamed branch)."""
    entry = load_manifest(runtime.store, dest).by_path()[_BIG]
    assert (entry.size, entry.sha256) == (_SIZE, sha256)
    info = runtime.store.head(dest.child(_BIG))
    assert info is not None and info.size == _SIZE and info.sha256 == sha256
    assert re.search(rf"-{_PARTS}\"?$", info.etag), info.etag  # a multipart ETag: "<md5 of md5s>-N"


def test_a_file_above_the_in_memory_limit_lands_streamed_from_a_folder_and_verifies(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, tmp_path: Path
) -> None:
    assert _SIZE > IN_MEMORY_MAX
    world, sha256 = _world(tmp_path / "world", _SIZE)
    dest = fresh_root(oracle_runtime)
    _land_and_verify(local_substrates, str(world), dest, world)
    _assert_streamed_and_exact(oracle_runtime, dest, sha256)


def test_an_object_above_the_in_memory_limit_lands_streamed_from_an_s3_source_and_verifies(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, tmp_path: Path
) -> None:
    world, sha256 = _world(tmp_path / "world", _SIZE)
    source = _stage(oracle_runtime, world)
    dest = fresh_root(oracle_runtime)
    _land_and_verify(local_substrates, source, dest, world)
    _assert_streamed_and_exact(oracle_runtime, dest, sha256)


class _ReadHook:
    """A stream that calls `hook` once, right after its first read returned."""

    def __init__(self, stream: ByteSource, hook: Callable[[], None]) -> None:
        self._stream = stream
        self._hook: Callable[[], None] | None = hook

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        if self._hook is not None:
            hook, self._hook = self._hook, None
            hook()
        return data


class _RivalWriter(S3PrefixSource):
    """An S3 source whose big object another writer replaces (same size, other bytes) at one point.

    `opening` is which open of the big object (1: the hashing pass, 2: the upload pass); with
    `mid_read` the object is replaced after that pass's first read, else just before it opens.
    """

    def __init__(
        self,
        store: ObjectStore,
        prefix: S3Location,
        replace: Callable[[], None],
        opening: int,
        mid_read: bool,
    ) -> None:
        super().__init__(store, prefix)
        self._replace = replace
        self._opening = opening
        self._mid_read = mid_read
        self._opened = 0
        self.replaced = False

    def _fire(self) -> None:
        self.replaced = True
        self._replace()

    @contextmanager
    def open_stream(self, file: SourceFile) -> Iterator[ByteSource]:
        if file.path == _BIG:
            self._opened += 1
        hit = file.path == _BIG and self._opened == self._opening
        if hit and not self._mid_read:
            self._fire()
        with super().open_stream(file) as stream:
            yield _ReadHook(stream, self._fire) if hit and self._mid_read else stream


@pytest.mark.parametrize(
    ("opening", "mid_read"),
    [(1, True), (2, False), (2, True)],
    ids=["during-the-hashing-pass", "between-the-passes", "during-the-upload"],
)
def test_an_s3_source_object_replaced_mid_landing_fails_source_changed_and_commits_nothing(
    oracle_runtime: OracleRuntime, tmp_path: Path, opening: int, mid_read: bool
) -> None:
    world, _sha256 = _world(tmp_path / "world", _SIZE)
    staged = S3Location.parse(_stage(oracle_runtime, world))
    victim = staged.child(_BIG)
    replacement = tmp_path / "replacement.bin"
    write_big_file(replacement, _SIZE, os.urandom(8 * MIB))

    def _replace() -> None:
        oracle_runtime.store.delete(victim)
        with replacement.open("rb") as stream:
            oracle_runtime.store.put_stream_if_absent(
                victim, stream, _SIZE, sha256_hex=_sha256_of(replacement)
            )

    source = _RivalWriter(oracle_runtime.store, staged, _replace, opening, mid_read)
    dest = fresh_root(oracle_runtime)
    with pytest.raises(FailClosed) as caught:
        land_world(source, oracle_runtime.store, dest)
    assert source.replaced
    assert caught.value.code == "LANDING_SOURCE_CHANGED", caught.value
    assert oracle_runtime.store.head(dest.landing_manifest) is None


_SLOW_SIZE = 1024 * MIB
_SLOW_RSS_BOUND_MB = 192.0


@pytest.mark.slow
def test_a_1_gib_object_lands_and_verifies_from_a_folder_and_from_s3_in_bounded_memory(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, tmp_path: Path
) -> None:
    """Each `fp` subprocess (land, verify; folder and S3 source) peaks under the bound, far below 1 GiB.

    The bound leaves room for the interpreter, boto3 and the streamed path's fixed buffers (one part
    plus one read chunk per worker); a path that held the object, or a part per chunk read, exceeds it.
    """
    world, sha256 = _world(tmp_path / "world", _SLOW_SIZE)
    staged = _stage(oracle_runtime, world)
    written = [S3Location.parse(staged)]
    peaks: dict[str, float] = {}
    try:
        for kind, source in {"folder": str(world), "s3": staged}.items():
            dest = fresh_root(oracle_runtime)
            written.append(dest.location)
            common = ["--source", source, "--source-profile", "local_parity", "--role", "operator", "--json"]
            land = run_measured(
                [FP, "oracle", "land", "--dest", dest.uri, *common], local_substrates.env, tmp_path
            )
            assert land.code == 0 and land.result["uploaded_files"] == 2, land
            verify = run_measured(
                [FP, "oracle", "verify", "--root", dest.uri, *common], local_substrates.env, tmp_path
            )
            assert verify.code == 0 and verify.result["problems"] == [], verify
            assert verify.result["bytes_read"] > 2 * _SLOW_SIZE  # both sides re-read in full
            assert load_manifest(oracle_runtime.store, dest).by_path()[_BIG].sha256 == sha256
            peaks[f"land-{kind}"], peaks[f"verify-{kind}"] = land.peak_rss_mb, verify.peak_rss_mb
    finally:  # 3 GiB of objects and a 1 GiB file: not left for the rest of the session
        (world / _BIG).unlink()
        for prefix in written:
            for info in list(oracle_runtime.store.list(prefix)):
                oracle_runtime.store.delete(S3Location(prefix.bucket, info.key))
    assert max(peaks.values()) < _SLOW_RSS_BOUND_MB, peaks
