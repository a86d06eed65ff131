"""Multiset and ordered digests: exact sums, permutation-invariant, order-sensitive."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fraud_platform.oracle.sort.closure.digest import DigestTotals, RowHasher, digest_hex, hex_digest_sum

MODULUS = 2**256

SCHEMA = pa.schema(
    [pa.field("ts_utc", pa.string()), pa.field("flow_id", pa.int64()), pa.field("amount", pa.float64())]
)


def _rows(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "ts_utc": f"2026-01-0{1 + i % 3}T00:00:{i % 60:02d}.000000Z",
            "flow_id": rng.randrange(-(10**9), 10**9),
            "amount": rng.random() * 100,
        }
        for i in range(count)
    ]


def _digests(
    rows: list[dict[str, object]], hasher: RowHasher, positions: bool, chunk: int = 64
) -> DigestTotals:
    totals = DigestTotals(hasher.bits)
    for start in range(0, len(rows), chunk):
        batch = pa.RecordBatch.from_pylist(rows[start : start + chunk], schema=SCHEMA)
        totals.add(hasher.digest(batch, first_position=totals.rows if positions else None))
    return totals


def test_hex_digest_sum_is_exact_and_wraps_modulo_2_256() -> None:
    values = ["f" * 64, "f" * 64, "0" * 63 + "1", hashlib.sha256(b"x").hexdigest()]
    expected = sum(int(value, 16) for value in values) % MODULUS
    assert hex_digest_sum(pa.array(values), 256) == expected
    assert hex_digest_sum(pa.chunked_array([pa.array(values[:1]), pa.array(values[1:])]), 256) == expected
    assert (
        hex_digest_sum(pa.array(values).slice(1, 2), 256)
        == (int(values[1], 16) + int(values[2], 16)) % MODULUS
    )
    assert digest_hex(MODULUS + 5, 256) == "0" * 63 + "5"
    assert digest_hex(2**128 + 5, 128) == "0" * 31 + "5"
    md5s = [hashlib.md5(str(i).encode()).hexdigest() for i in range(3)] + ["f" * 32]
    assert hex_digest_sum(pa.array(md5s), 128) == sum(int(d, 16) for d in md5s) % 2**128


def test_many_random_digests_sum_exactly() -> None:
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(5000)]
    assert hex_digest_sum(pa.array(digests), 256) == sum(int(d, 16) for d in digests) % MODULUS


@pytest.mark.parametrize("row_hash", ["md5", "sha256"])
def test_multiset_digest_ignores_order_and_batching_ordered_digest_does_not(row_hash: str) -> None:
    rows = _rows(300)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    with RowHasher(SCHEMA, row_hash=row_hash) as hasher:
        first = _digests(rows, hasher, positions=True, chunk=64)
        again = _digests(rows, hasher, positions=True, chunk=100)
        permuted = _digests(shuffled, hasher, positions=True, chunk=37)
    assert first.rows == permuted.rows == 300
    assert first.multiset == permuted.multiset == again.multiset
    assert first.ordered == again.ordered  # same sequence, other batch boundaries
    assert first.ordered != permuted.ordered


@pytest.mark.parametrize("row_hash", ["md5", "sha256"])
def test_swapping_two_rows_changes_only_the_ordered_digest(row_hash: str) -> None:
    rows = _rows(50)
    swapped = rows[:]
    swapped[10], swapped[11] = swapped[11], swapped[10]
    with RowHasher(SCHEMA, row_hash=row_hash) as hasher:
        original = _digests(rows, hasher, positions=True)
        changed = _digests(swapped, hasher, positions=True)
    assert original.multiset == changed.multiset
    assert original.ordered != changed.ordered


@pytest.mark.parametrize("row_hash", ["md5", "sha256"])
def test_drop_duplicate_or_change_changes_the_multiset_digest(row_hash: str) -> None:
    rows = _rows(40)
    with RowHasher(SCHEMA, row_hash=row_hash) as hasher:
        base = _digests(rows, hasher, positions=False).multiset
        dropped = _digests(rows[:-1], hasher, positions=False).multiset
        duplicated = _digests([*rows, rows[0]], hasher, positions=False).multiset
        changed = _digests(
            [*rows[:-1], dict(rows[-1], amount=np.nextafter(rows[-1]["amount"], 1e9))],
            hasher,
            positions=False,
        ).multiset
    assert len({base, dropped, duplicated, changed}) == 4


@pytest.mark.parametrize(("row_hash", "reference"), [("md5", hashlib.md5), ("sha256", hashlib.sha256)])
def test_ordered_digest_matches_its_written_definition(row_hash: str, reference: Any) -> None:
    rows = _rows(20)
    with RowHasher(SCHEMA, row_hash=row_hash) as hasher:
        totals = _digests(rows, hasher, positions=True, chunk=7)
        row_digests = []
        for row in rows:
            single = hasher.digest(pa.RecordBatch.from_pylist([row], schema=SCHEMA))
            row_digests.append(digest_hex(single.multiset, hasher.bits))
        modulus = 2**hasher.bits
    expected = sum(int(reference(f"{i}:{d}".encode()).hexdigest(), 16) for i, d in enumerate(row_digests))
    assert totals.ordered == expected % modulus
    assert totals.multiset == sum(int(d, 16) for d in row_digests) % modulus
    assert len(totals.ordered_hex) == hasher.bits // 4
