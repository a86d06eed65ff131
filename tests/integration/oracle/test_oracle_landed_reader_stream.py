"""`LandedWorldReader.iter_chunks`: gate members streamed from the landing, proven as they pass.

Seal checks every 3A member's bytes; those members are engine datasets that can be far larger than
memory, so the landed reader streams them (one chunk at a time) and still refuses any byte that was
not landed: a member replaced after landing fails with ORACLE_VERIFY_FAILED once its stream ends.
"""

from __future__ import annotations

import hashlib

import pytest
from oracle_it import fresh_root

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import LocalFolderSource, OracleRuntime, PackRoot, land_world
from fraud_platform.oracle._reasons import ORACLE_VERIFY_FAILED
from fraud_platform.oracle.manifest import load_manifest
from fraud_platform.oracle.sort.source import arrow_s3_filesystem
from fraud_platform.oracle.world import LandedWorldReader

pytestmark = pytest.mark.integration


def _landed(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> tuple[LandedWorldReader, PackRoot, str, bytes]:
    root = fresh_root(oracle_runtime)
    land_world(LocalFolderSource(small_world.root), oracle_runtime.store, root)
    manifest = load_manifest(oracle_runtime.store, root)
    reader = LandedWorldReader(oracle_runtime.store, root, manifest)
    path = next(p for p in reader.list("data") if p.endswith(".parquet"))
    return reader, root, path, (small_world.root / path).read_bytes()


def test_iter_chunks_streams_exactly_the_landed_bytes(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    reader, _root, path, original = _landed(oracle_runtime, small_world)
    chunks = list(reader.iter_chunks(path))
    assert b"".join(chunks) == original
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == hashlib.sha256(original).hexdigest()


def test_iter_chunks_refuses_a_member_replaced_after_landing(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    reader, root, path, original = _landed(oracle_runtime, small_world)
    location = root.child(path)
    # A raw PUT without If-None-Match (any client may send one; local SeaweedFS cannot forbid it):
    # same size, different bytes.
    fs = arrow_s3_filesystem(oracle_runtime.creds)
    with fs.open_output_stream(f"{location.bucket}/{location.key}") as out:
        out.write(bytes(reversed(original)))
    with pytest.raises(FailClosed) as refused:
        for _chunk in reader.iter_chunks(path):
            pass
    assert refused.value.code == ORACLE_VERIFY_FAILED
    assert refused.value.refs["path"] == path
