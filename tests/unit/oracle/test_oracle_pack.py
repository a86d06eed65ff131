"""Pack identity, the seal verdict and the Parquet footer check (pure)."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraud_platform.core.canonical import canonical_bytes, canonical_file_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._models import Sha256Digest
from fraud_platform.oracle.pack import (
    LandingSummary,
    PackManifest,
    SealRecord,
    WorldKey,
    compute_oracle_pack_id,
    parse_pack_manifest,
    parse_seal,
)
from fraud_platform.oracle.parquet import footer_problem
from fraud_platform.oracle.world import engine_release_of

_KEY = WorldKey(manifest_fingerprint="a" * 64, parameter_hash="b" * 64, seed=42, scenario_id="baseline_v1")


def test_oracle_pack_id_is_sha256_of_cj1_release_and_world_key() -> None:
    expected = sha256_hex(
        canonical_bytes(
            {
                "engine_release": "unknown",
                "world_key": {
                    "manifest_fingerprint": "a" * 64,
                    "parameter_hash": "b" * 64,
                    "seed": 42,
                    "scenario_id": "baseline_v1",
                },
            }
        )
    )
    assert compute_oracle_pack_id("unknown", _KEY) == expected
    assert compute_oracle_pack_id("1.2.3", _KEY) != expected


def _pack() -> PackManifest:
    return PackManifest(
        oracle_pack_id=compute_oracle_pack_id("unknown", _KEY),
        engine_release="unknown",
        engine_run_id="c" * 32,
        world_key=_KEY,
        landing=LandingSummary(root_digest=Sha256Digest(hex="d" * 64), file_count=1, total_bytes=2),
        streamed_outputs=["arrival_events_5B"],
        gates=[],
        parquet_files_checked=0,
    )


def test_pack_manifest_round_trips_and_a_forged_pack_id_is_refused() -> None:
    pack = _pack()
    assert parse_pack_manifest(pack.to_bytes()) == pack
    forged = json.loads(pack.to_bytes())
    forged["world_key"]["scenario_id"] = "other"
    with pytest.raises(FailClosed) as caught:
        parse_pack_manifest(canonical_file_bytes(forged))
    assert caught.value.code == "PACK_MANIFEST_INVALID"


def test_two_seals_differing_only_in_time_have_the_same_verdict() -> None:
    common = {
        "seal_status": "SEALED_OK",
        "oracle_pack_id": _pack().oracle_pack_id,
        "world_key": _KEY,
        "pack_manifest_sha256": "e" * 64,
        "landing_root_digest": Sha256Digest(hex="d" * 64),
        "failures": [],
    }
    first = SealRecord(**common, sealed_at_utc="2026-01-01T00:00:00.000000Z")
    second = SealRecord(**common, sealed_at_utc="2026-01-02T00:00:00.000000Z")
    assert first.verdict() == second.verdict()
    assert first.to_bytes() != second.to_bytes()
    assert parse_seal(first.to_bytes()) == first
    with pytest.raises(FailClosed) as caught:
        parse_seal(b"{}")
    assert caught.value.code == "PACK_NOT_SEALED"


def test_engine_release_defaults_to_unknown_but_a_malformed_one_fails() -> None:
    assert engine_release_of({"run_id": "x"}) == "unknown"
    assert engine_release_of({"engine_release": "6B-2026.1"}) == "6B-2026.1"
    with pytest.raises(FailClosed) as caught:
        engine_release_of({"engine_release": 7})
    assert caught.value.code == "RUN_RECEIPT_INVALID"


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"ts_utc": ["2026-01-01T00:00:00.000000Z"] * 3, "flow_id": [1, 2, 3]}), buffer)
    return buffer.getvalue()


def test_a_sound_footer_passes_and_names_missing_columns() -> None:
    data = _parquet_bytes()
    assert footer_problem(data, len(data), ["ts_utc", "flow_id"]) is None
    problem = footer_problem(data, len(data), ["ts_utc", "amount"])
    assert problem is not None and "amount" in problem


def test_truncated_overwritten_and_foreign_files_are_refused() -> None:
    data = _parquet_bytes()
    truncated = data[: len(data) // 2]
    assert footer_problem(truncated, len(truncated), []) is not None
    garbage = bytearray(data)
    garbage[-40:-8] = b"\xff" * 32
    assert footer_problem(bytes(garbage), len(garbage), []) is not None
    assert footer_problem(b'{"json": true}\n', 15, []) == "no PAR1 magic at the end"
    lying = data[:-8] + (10**6).to_bytes(4, "little") + b"PAR1"
    assert "does not fit" in str(footer_problem(lying, len(lying), []))
