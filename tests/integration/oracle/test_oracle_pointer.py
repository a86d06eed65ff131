"""The Oracle root pointer on the real SeaweedFS: compare-and-swap moves, immutable history, rollback."""

from __future__ import annotations

import uuid

import pytest
from oracle_it import SCENARIO, fp

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.oracle import (
    OracleRuntime,
    PackRoot,
    read_history,
    read_pointer,
    rollback_pointer,
    set_pointer,
)
from fraud_platform.oracle._models import document_bytes
from fraud_platform.oracle.pointer import PointerEntry, history_location, pointer_location
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_ROOT_A = "s3://fp-object-store/oracle-store/it/pointer-a/"
_ROOT_B = "s3://fp-object-store/oracle-store/it/pointer-b/"


def _profile() -> str:
    return f"it_{uuid.uuid4().hex[:12]}"


def _pack_id(root: str, scenario_id: str) -> str:
    """Stands in for the consumer check (covered by its own tests): a stable id per root."""
    return ("a" if root == _ROOT_A else "b") * 64


def test_set_moves_by_cas_and_writes_one_immutable_history_entry_per_move(
    oracle_runtime: OracleRuntime,
) -> None:
    store, bucket, profile = oracle_runtime.store, oracle_runtime.bucket, _profile()
    first = set_pointer(store, bucket, profile, _ROOT_A, SCENARIO, _pack_id)
    assert first.moved and first.entry.seq == 1 and first.entry.parent_seq is None
    assert set_pointer(store, bucket, profile, _ROOT_A, SCENARIO, _pack_id).moved is False
    second = set_pointer(store, bucket, profile, _ROOT_B, SCENARIO, _pack_id)
    assert second.entry.seq == 2 and second.entry.parent_seq == 1
    current = read_pointer(store, bucket, profile)
    assert current is not None and current[0] == second.entry
    history = read_history(store, bucket, profile)
    assert [entry.seq for entry in history] == [1, 2]
    assert store.get(history_location(bucket, profile, 2)) == store.get(pointer_location(bucket, profile))


def test_rollback_restores_the_previous_entry_as_a_new_entry_and_walks_back_like_undo(
    oracle_runtime: OracleRuntime,
) -> None:
    store, bucket, profile = oracle_runtime.store, oracle_runtime.bucket, _profile()
    set_pointer(store, bucket, profile, _ROOT_A, SCENARIO, _pack_id)
    set_pointer(store, bucket, profile, _ROOT_B, SCENARIO, _pack_id)
    back = rollback_pointer(store, bucket, profile, _pack_id)
    assert back.entry.seq == 3 and back.entry.action == "rollback"
    assert back.entry.pack_root == _ROOT_A and back.entry.restores_seq == 1 and back.entry.parent_seq is None
    with pytest.raises(FailClosed) as caught:
        rollback_pointer(store, bucket, profile, _pack_id)
    assert caught.value.code == "POINTER_NO_PREVIOUS"
    assert [entry.pack_root for entry in read_history(store, bucket, profile)] == [_ROOT_A, _ROOT_B, _ROOT_A]


def test_a_root_failing_the_check_is_refused_with_the_checks_code(oracle_runtime: OracleRuntime) -> None:
    store, bucket, profile = oracle_runtime.store, oracle_runtime.bucket, _profile()

    def refuse(root: str, scenario_id: str) -> str:
        raise FailClosed("PACK_NOT_SEALED", "not sealed")

    with pytest.raises(FailClosed) as caught:
        set_pointer(store, bucket, profile, _ROOT_A, SCENARIO, refuse)
    assert caught.value.code == "PACK_NOT_SEALED"
    assert read_pointer(store, bucket, profile) is None


def test_a_concurrent_move_loses_the_compare_and_swap(oracle_runtime: OracleRuntime) -> None:
    store, bucket, profile = oracle_runtime.store, oracle_runtime.bucket, _profile()
    set_pointer(store, bucket, profile, _ROOT_A, SCENARIO, _pack_id)

    def racing_check(root: str, scenario_id: str) -> str:
        # Another operator moves the pointer while this one is still checking its target.
        set_pointer(store, bucket, profile, _ROOT_B, SCENARIO, _pack_id)
        return _pack_id(root, scenario_id)

    with pytest.raises(TransientError) as caught:
        set_pointer(store, bucket, profile, _ROOT_A + "x/", SCENARIO, racing_check)
    assert caught.value.code == "POINTER_CONFLICT"
    current = read_pointer(store, bucket, profile)
    assert current is not None and current[0].pack_root == _ROOT_B and current[0].seq == 2


def test_a_move_that_crashed_before_its_history_write_is_repaired_by_the_next_move(
    oracle_runtime: OracleRuntime,
) -> None:
    store, bucket, profile = oracle_runtime.store, oracle_runtime.bucket, _profile()
    orphan = PointerEntry(
        profile=profile,
        seq=1,
        action="set",
        pack_root=_ROOT_A,
        scenario_id=SCENARIO,
        oracle_pack_id="a" * 64,
        moved_at_utc="2026-01-01T00:00:00.000000Z",
    )
    store.put_if_match(pointer_location(bucket, profile), document_bytes(orphan), None)
    assert store.head(history_location(bucket, profile, 1)) is None
    set_pointer(store, bucket, profile, _ROOT_B, SCENARIO, _pack_id)
    assert [entry.seq for entry in read_history(store, bucket, profile)] == [1, 2]
    assert read_history(store, bucket, profile)[0] == orphan


def test_cli_pointer_set_refuses_an_unsealed_root_and_show_says_missing(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime
) -> None:
    code, line = fp(
        local_substrates,
        [
            "oracle",
            "pointer",
            "set",
            "--root",
            _ROOT_A,
            "--scenario-id",
            SCENARIO,
            "--profile",
            "local_parity",
            "--role",
            "operator",
        ],
    )
    assert code == 2 and line["code"] == "PACK_NOT_SEALED"
    if read_pointer(oracle_runtime.store, oracle_runtime.bucket, "local_parity") is None:
        code, line = fp(local_substrates, ["oracle", "pointer", "show", "--role", "operator"])
        assert code == 2 and line["code"] == "POINTER_MISSING"


def test_cli_pointer_cut_over_then_rollback_restores_what_was_there(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, sorted_pack: PackRoot
) -> None:
    """The shared substrate's real local_parity pointer: moved, shown, and put back as it was."""
    store, bucket = oracle_runtime.store, oracle_runtime.bucket
    before = read_pointer(store, bucket, "local_parity")
    profile = ["--profile", "local_parity", "--role", "operator"]
    code, line = fp(
        local_substrates,
        ["oracle", "pointer", "set", "--root", sorted_pack.uri, "--scenario-id", SCENARIO, *profile],
    )
    assert code == 0 and line["pointer"]["pack_root"] == sorted_pack.uri, line
    code, shown = fp(local_substrates, ["oracle", "pointer", "show", *profile])
    assert code == 0 and shown["pointer"] == line["pointer"]
    code, rolled = fp(local_substrates, ["oracle", "pointer", "rollback", *profile])
    if before is None:
        assert code == 2 and rolled["code"] == "POINTER_NO_PREVIOUS"
        # Other areas share this bucket and profile: leave the pointer as it was found (absent).
        for info in list(store.list(S3Location(bucket, "pointers/oracle/local_parity/history/"))):
            store.delete(S3Location(bucket, info.key))
        store.delete(pointer_location(bucket, "local_parity"))
    elif line["moved"]:
        assert code == 0 and rolled["pointer"]["pack_root"] == before[0].pack_root
