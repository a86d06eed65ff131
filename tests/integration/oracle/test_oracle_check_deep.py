"""`oracle check --deep` on the real SeaweedFS: what the cheap check trusts, and what deep re-proves.

Forgeries here are ones the cheap check cannot see by design: a landed source replaced after its
landing (the cheap check trusts the landing manifest) and a view part replaced by same-size bytes
stored with the old SHA-256 as its metadata (the cheap check trusts the store's HEAD). Deep streams
and re-hashes every byte, so it catches both; the report says which depth ran and what it trusted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from oracle_it import SCENARIO, fp, fresh_root

from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import LocalFolderSource, OracleRuntime, PackRoot, land_world, seal_pack
from fraud_platform.oracle.check import check_pack
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.oracle.sort.pack import load_sealed_pack
from fraud_platform.oracle.views import read_stream_receipt
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import StoreChecksum

pytestmark = pytest.mark.integration

OUTPUT = "arrival_events_5B"


def _sorted_one(runtime: OracleRuntime, world: Path) -> PackRoot:
    root = fresh_root(runtime)
    land_world(LocalFolderSource(world), runtime.store, root)
    assert seal_pack(runtime.store, root, SCENARIO, runtime.tails()).ok
    sort_stream_views(runtime.store, runtime.creds, root, SCENARIO, outputs=[OUTPUT])
    return root


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF])


def test_an_intact_pack_passes_deep_and_every_byte_was_rehashed(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, sorted_pack: PackRoot
) -> None:
    cheap = check_pack(oracle_runtime.store, sorted_pack, SCENARIO, [OUTPUT])
    deep = check_pack(oracle_runtime.store, sorted_pack, SCENARIO, [OUTPUT], deep=True)
    assert cheap.ok and deep.ok and not cheap.deep and deep.deep
    assert any("not re-hashed" in item for item in cheap.trusted)
    assert not any("not re-hashed" in item for item in deep.trusted)
    sealed = load_sealed_pack(oracle_runtime.store, sorted_pack, SCENARIO)
    landed = sum(entry.size for entry in sealed.source_files(load_catalogue().output(OUTPUT)))
    assert cheap.bytes_rehashed == 0 and deep.bytes_rehashed == landed + deep.stream_views[OUTPUT].bytes
    code, line = fp(
        local_substrates,
        [
            "oracle",
            "check",
            "--root",
            sorted_pack.uri,
            "--scenario-id",
            SCENARIO,
            "--outputs",
            OUTPUT,
            "--deep",
            "--role",
            "operator",
        ],
    )
    assert code == 0 and line["deep"] is True and line["bytes_rehashed"] == deep.bytes_rehashed
    assert line["stream_views"][OUTPUT]["attempt_id"] == deep.stream_views[OUTPUT].attempt_id


def test_a_landed_source_replaced_after_landing_passes_cheap_and_fails_deep(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _sorted_one(oracle_runtime, small_world.root)
    store = oracle_runtime.store
    entry = load_sealed_pack(store, root, SCENARIO).source_files(load_catalogue().output(OUTPUT))[0]
    original = store.get(root.child(entry.path))
    store.delete(root.child(entry.path))  # operator only: truth is otherwise undeletable
    store.put_if_absent(root.child(entry.path), _flip_last_byte(original))
    assert check_pack(store, root, SCENARIO, [OUTPUT]).ok  # trusted the landing manifest, as it says
    deep = check_pack(store, root, SCENARIO, [OUTPUT], deep=True)
    assert [(f.code, f.subject) for f in deep.failures] == [("ORACLE_VERIFY_FAILED", entry.path)]
    code, line = fp(
        local_substrates,
        [
            "oracle",
            "check",
            "--root",
            root.uri,
            "--scenario-id",
            SCENARIO,
            "--outputs",
            OUTPUT,
            "--deep",
            "--role",
            "operator",
        ],
    )
    assert code == 2 and line["code"] == "ORACLE_VERIFY_FAILED"


def test_a_view_part_forged_with_its_old_sha256_metadata_passes_cheap_and_fails_deep(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = _sorted_one(oracle_runtime, small_world.root)
    store = oracle_runtime.store
    receipt = read_stream_receipt(store, root, OUTPUT)
    assert receipt is not None
    part = receipt.parts[0]
    location = root.child(root.stream_view_dir(OUTPUT) + part.name)
    forged = _flip_last_byte(store.get(location))
    assert hashlib.sha256(forged).hexdigest() != part.sha256 and len(forged) == part.size
    store.delete(location)
    # The store proves only a CRC32 of the body here, so the SHA-256 metadata can lie.
    store.put_if_absent(location, forged, sha256_hex=part.sha256, store_checksum=StoreChecksum.CRC32)
    assert check_pack(store, root, SCENARIO, [OUTPUT]).ok  # trusted the HEAD's SHA-256, as it says
    deep = check_pack(store, root, SCENARIO, [OUTPUT], deep=True)
    assert [(f.code, f.subject) for f in deep.failures] == [("STREAM_VIEW_PARTS_MISSING", OUTPUT)]
    assert "re-hash" in deep.failures[0].detail
