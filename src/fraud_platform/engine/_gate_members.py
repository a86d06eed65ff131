"""3A members proven by their bytes: stricter than the engine's own law.

Gate 3A's flag digest is the SHA-256 of its members' `sha256_hex` strings concatenated, so the law
alone passes a member file that changed while its index entry did not. Here each member is hashed
again, by the rules the engine's 3A S7 used to write `sha256_hex`, and compared:

    a path ending `.json`        the JSON document re-serialised (sorted keys, no spaces, ASCII), SHA-256
    a glob in the last segment   the files in its folder whose names match, sorted by name, bytes concatenated
    a file                       its bytes (one Parquet or JSONL file)
    a folder                     its `*.parquet` files (recursively, sorted by relative path), else its
                                 `*.jsonl` files (that folder only, sorted by name), bytes concatenated

Member paths are relative to the run root (the engine renders them from its dataset dictionary).
Files are streamed when the reader can (`ChunkedWorldReader`); otherwise one file is held at a time.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._gate_methods import index_entries
from fraud_platform.engine._paths import check_relative_path, join_relative
from fraud_platform.engine._reasons import WORLD_OBJECT_MISSING, WORLD_PATH_INVALID
from fraud_platform.engine.catalogue import GateSpec
from fraud_platform.engine.world import WorldReader

__all__ = ["ChunkedWorldReader", "MemberCheck", "member_files", "member_mismatches"]

_GLOB_CHARS = ("*", "?", "[")


@runtime_checkable
class ChunkedWorldReader(Protocol):
    """A reader that can stream a file (memory bounded by one chunk, not by the file)."""

    def iter_chunks(self, relative_path: str) -> Iterator[bytes]:
        """The file's bytes in order, as chunks. Raises FailClosed(WORLD_OBJECT_MISSING) when absent."""
        ...


@dataclass(frozen=True)
class MemberCheck:
    """Empty when every member's bytes match; else why not (a mismatch, or absent member files)."""

    detail: str = ""
    missing_paths: tuple[str, ...] = ()


def member_files(reader: WorldReader, path: str) -> tuple[str, list[str]]:
    """How a member path is hashed ("json" or "bytes") and the run-root-relative files, in hash order."""
    check_relative_path(path, what="3A member path")
    path = path.rstrip("/")
    folder, _, name = path.rpartition("/")
    if any(char in name for char in _GLOB_CHARS):
        listed = [p for p in reader.list(folder) if p.count("/") == path.count("/")]
        return "bytes", sorted(p for p in listed if fnmatch.fnmatchcase(p.rpartition("/")[2], name))
    if name.endswith(".json"):
        return "json", [path]
    if reader.exists(path):
        return "bytes", [path]
    listed = reader.list(path)
    parquet = [p for p in listed if p.endswith(".parquet")]
    if parquet:
        return "bytes", parquet  # `list` sorts ASCII; under one folder that is relative-path order
    depth = path.count("/") + 1
    return "bytes", [p for p in listed if p.endswith(".jsonl") and p.count("/") == depth]


def _chunks(reader: WorldReader, path: str) -> Iterable[bytes]:
    if isinstance(reader, ChunkedWorldReader):
        return reader.iter_chunks(path)
    return (reader.read_bytes(path),)


def _json_digest(data: bytes) -> str:
    document: Any = json.loads(data)
    text = json.dumps(document, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _member_digest(reader: WorldReader, kind: str, files: list[str]) -> str:
    if kind == "json":
        return _json_digest(reader.read_bytes(files[0]))
    hasher = hashlib.sha256()
    for path in files:
        for chunk in _chunks(reader, path):
            hasher.update(chunk)
    return hasher.hexdigest()


def member_mismatches(reader: WorldReader, gate: GateSpec, bundle_root: str) -> MemberCheck:
    """Hash every member the gate's index lists and compare with its recorded `sha256_hex`.

    Call after the gate's own law has passed (the index is then known to parse and every member to
    carry a 64-hex `sha256_hex`). Absent member files are MISSING; a digest that differs, or a JSON
    member that does not parse, is a mismatch naming the member.
    """
    index_path = join_relative(bundle_root, gate.index_file or "index.json")
    entries = index_entries(reader.read_bytes(index_path))
    base = "" if gate.path_base == "run_root" else bundle_root
    missing: list[str] = []
    for entry in entries:
        path = entry.get("path")
        label = str(entry.get("logical_id") or path)
        if not isinstance(path, str) or not path:
            return MemberCheck(f"3A member {label} has no path to prove its bytes by")
        try:
            kind, files = member_files(reader, join_relative(base, path))
        except FailClosed as error:
            if error.code != WORLD_PATH_INVALID:
                raise
            return MemberCheck(f"3A member {label} has an unsafe path: {error.detail}")
        if not files:
            missing.append(join_relative(base, path))
            continue
        try:
            digest = _member_digest(reader, kind, files)
        except FailClosed as error:
            if error.code != WORLD_OBJECT_MISSING:
                raise
            missing.extend(files)
            continue
        except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            return MemberCheck(f"3A member {label} ({path}) is not valid JSON: {error}")
        recorded = str(entry["sha256_hex"]).lower()
        if digest != recorded:
            return MemberCheck(
                f"3A member {label} ({path}): its bytes hash to {digest}, the index records {recorded}"
            )
    if missing:
        return MemberCheck(f"{len(missing)} 3A member file(s) absent", tuple(missing))
    return MemberCheck()
