"""The Oracle root pointer: which sealed pack (and scenario) a profile reads, moved by compare-and-swap.

`pointers/oracle/{profile}.json` is the only mutable Oracle object. Every move writes a new entry:
1. read the pointer and its ETag (absent: first move);
2. repair history: the current entry must be in `history/{seq:08d}.json` (a crash between steps 4
   and 5 of an earlier move left it only in the pointer) — write-once, identical bytes;
3. check the target pack (a pointer never names a pack that fails the consumer check);
4. `put_if_match` the new entry onto the pointer with the ETag from step 1 (lost race →
   POINTER_CONFLICT: re-read and retry);
5. write the same bytes once to `history/{seq:08d}.json`.
History is append-only and immutable; a rollback is a new entry that restores the target of the
entry below the current one (an undo stack walked through `parent_seq`), never a data move.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import Clock, SystemClock, format_utc
from fraud_platform.oracle._models import HEX64, StrictModel, document_bytes, parse_document
from fraud_platform.oracle._reasons import POINTER_CONFLICT, POINTER_INVALID, POINTER_NO_PREVIOUS
from fraud_platform.oracle._store import read_optional, write_once
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.substrate._reasons import OBJECT_CAS_CONFLICT, OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "MoveGate",
    "PackChecker",
    "PointerEntry",
    "PointerMove",
    "history_location",
    "pointer_location",
    "read_history",
    "read_pointer",
    "rollback_pointer",
    "set_pointer",
]

_PROFILE = re.compile(r"^[a-z][a-z0-9_]*$")

# Checks a pack root for a scenario and returns its oracle_pack_id, or raises the check's FailClosed.
PackChecker = Callable[[str, str], str]

# Allows a set onto (pack_root, scenario_id, oracle_pack_id) or raises FailClosed; `--require-shadow`
# is one (oracle/shadow_gate.py). Called after the pack check, before the pointer is touched.
MoveGate = Callable[[str, str, str], None]


class PointerEntry(StrictModel):
    """One pointer state; the pointer object and its history entry hold the same bytes."""

    schema_version: Literal["fp.oracle.pointer.v1"] = "fp.oracle.pointer.v1"
    profile: str
    seq: int = Field(ge=1)
    action: Literal["set", "rollback"]
    pack_root: str = Field(pattern=r"^s3://")
    scenario_id: str = Field(min_length=1)
    oracle_pack_id: str = Field(pattern=HEX64)
    parent_seq: int | None = Field(default=None, ge=1)
    restores_seq: int | None = Field(default=None, ge=1)
    moved_at_utc: str


class PointerMove(StrictModel):
    """What a set or rollback did: the entry now current and whether the pointer actually moved."""

    entry: PointerEntry
    moved: bool
    previous_seq: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "moved": self.moved,
            "previous_seq": self.previous_seq,
            "pointer": self.entry.model_dump(mode="json"),
        }

    def fact_details(self) -> dict[str, Any]:
        """Details of the ORACLE_POINTER_MOVED fact."""
        entry = self.entry
        return {
            "profile": entry.profile,
            "seq": entry.seq,
            "action": entry.action,
            "pack_root": entry.pack_root,
            "oracle_pack_id": entry.oracle_pack_id,
        }


def pointer_location(bucket: str, profile: str) -> S3Location:
    """`pointers/oracle/{profile}.json` in the object-store bucket."""
    return S3Location(bucket, f"pointers/oracle/{_checked(profile)}.json")


def history_location(bucket: str, profile: str, seq: int) -> S3Location:
    """`pointers/oracle/{profile}/history/{seq:08d}.json`, one immutable object per entry."""
    return S3Location(bucket, f"pointers/oracle/{_checked(profile)}/history/{seq:08d}.json")


def read_pointer(store: ObjectStore, bucket: str, profile: str) -> tuple[PointerEntry, str] | None:
    """The current entry and the pointer's ETag, or None when no pointer was ever set."""
    try:
        data, etag = store.get_with_etag(pointer_location(bucket, profile))
    except FailClosed as error:
        if error.code == OBJECT_MISSING:
            return None
        raise
    entry = parse_document(PointerEntry, data, POINTER_INVALID, "the Oracle root pointer")
    if entry.profile != profile:
        raise FailClosed(POINTER_INVALID, f"the pointer of {profile} names profile {entry.profile}")
    return entry, etag


def read_history(store: ObjectStore, bucket: str, profile: str) -> list[PointerEntry]:
    """Every history entry, oldest first."""
    prefix = S3Location(bucket, f"pointers/oracle/{_checked(profile)}/history/")
    return [
        parse_document(PointerEntry, store.get(S3Location(bucket, info.key)), POINTER_INVALID, info.key)
        for info in store.list(prefix)
    ]


def set_pointer(
    store: ObjectStore,
    bucket: str,
    profile: str,
    pack_root: str,
    scenario_id: str,
    check: PackChecker,
    *,
    clock: Clock | None = None,
    gate: MoveGate | None = None,
) -> PointerMove:
    """Point `profile` at a pack that passes the consumer check (and `gate`); a no-op when it already does."""
    pack_root = PackRoot.parse(pack_root).uri
    current = _current_with_history(store, bucket, profile)
    oracle_pack_id = check(pack_root, scenario_id)
    if gate is not None:
        gate(pack_root, scenario_id, oracle_pack_id)
    entry, etag = current if current is not None else (None, None)
    if entry is not None and (entry.pack_root, entry.scenario_id, entry.oracle_pack_id) == (
        pack_root,
        scenario_id,
        oracle_pack_id,
    ):
        return PointerMove(entry=entry, moved=False, previous_seq=entry.seq)
    new = PointerEntry(
        profile=profile,
        seq=entry.seq + 1 if entry is not None else 1,
        action="set",
        pack_root=pack_root,
        scenario_id=scenario_id,
        oracle_pack_id=oracle_pack_id,
        parent_seq=entry.seq if entry is not None else None,
        moved_at_utc=format_utc((clock or SystemClock()).now()),
    )
    _move(store, bucket, new, etag)
    return PointerMove(entry=new, moved=True, previous_seq=entry.seq if entry is not None else None)


def rollback_pointer(
    store: ObjectStore, bucket: str, profile: str, check: PackChecker, *, clock: Clock | None = None
) -> PointerMove:
    """Restore the entry below the current one, as a new entry (the target is re-checked first)."""
    current = _current_with_history(store, bucket, profile)
    if current is None or current[0].parent_seq is None:
        raise FailClosed(
            POINTER_NO_PREVIOUS, f"the {profile} pointer has no earlier entry", {"profile": profile}
        )
    entry, etag = current
    assert entry.parent_seq is not None
    data = read_optional(store, history_location(bucket, profile, entry.parent_seq))
    if data is None:
        raise FailClosed(POINTER_INVALID, f"history entry {entry.parent_seq} of {profile} is missing")
    target = parse_document(PointerEntry, data, POINTER_INVALID, "a pointer history entry")
    oracle_pack_id = check(target.pack_root, target.scenario_id)
    if oracle_pack_id != target.oracle_pack_id:
        raise FailClosed(
            POINTER_INVALID,
            "the pack at the rollback target now has another oracle_pack_id",
            {"pack_root": target.pack_root, "recorded": target.oracle_pack_id, "now": oracle_pack_id},
        )
    new = PointerEntry(
        profile=profile,
        seq=entry.seq + 1,
        action="rollback",
        pack_root=target.pack_root,
        scenario_id=target.scenario_id,
        oracle_pack_id=target.oracle_pack_id,
        parent_seq=target.parent_seq,
        restores_seq=target.seq,
        moved_at_utc=format_utc((clock or SystemClock()).now()),
    )
    _move(store, bucket, new, etag)
    return PointerMove(entry=new, moved=True, previous_seq=entry.seq)


def _current_with_history(store: ObjectStore, bucket: str, profile: str) -> tuple[PointerEntry, str] | None:
    current = read_pointer(store, bucket, profile)
    if current is not None:
        entry = current[0]
        write_once(
            store, history_location(bucket, profile, entry.seq), document_bytes(entry), POINTER_INVALID
        )
    return current


def _move(store: ObjectStore, bucket: str, new: PointerEntry, expected_etag: str | None) -> None:
    data = document_bytes(new)
    try:
        store.put_if_match(pointer_location(bucket, new.profile), data, expected_etag)
    except FailClosed as error:
        if error.code == OBJECT_CAS_CONFLICT:
            raise TransientError(
                POINTER_CONFLICT, f"the {new.profile} pointer moved concurrently; re-read and retry"
            ) from error
        raise
    write_once(store, history_location(bucket, new.profile, new.seq), data, POINTER_INVALID)


def _checked(profile: str) -> str:
    if not _PROFILE.match(profile):
        raise FailClosed(POINTER_INVALID, f"profile name {profile!r} is not a plain identifier")
    return profile
