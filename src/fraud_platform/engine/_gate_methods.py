"""The three digest laws of engine gates, and the parsing of flags and indexes.

Each law returns a `_Computed` (a digest, or the reason it could not be computed) and never decides
PASS by itself: `gates.verify_gate` compares it with the flag. Absent things are MISSING (wait);
present but malformed things are CONFLICT (refuse).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._paths import check_relative_path, join_relative
from fraud_platform.engine._reasons import WORLD_OBJECT_MISSING
from fraud_platform.engine.catalogue import GateSpec
from fraud_platform.engine.world import WorldReader

__all__ = ["compute_digest", "index_entries", "parse_flag"]

Problem = Literal["MISSING", "CONFLICT"]

_TEXT_FLAG = re.compile(r"sha256_hex[ \t]*=[ \t]*([0-9a-fA-F]{64})")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_INDEX_KEYS = ("items", "members", "entries", "files")


@dataclass(frozen=True)
class _Computed:
    digest: str | None
    problem: Problem | None = None
    detail: str = ""
    missing_paths: tuple[str, ...] = field(default_factory=tuple)


def _name(path: str) -> str:
    """The last segment of a path: exclusions match file names, wherever the file sits."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def parse_flag(data: bytes, flag_format: str, manifest_fingerprint: str) -> str:
    """The digest a flag claims (lowercase hex); raises ValueError when the flag is unparseable.

    Text: one line `sha256_hex = <64 hex>` (one trailing newline allowed). JSON: an object with
    `bundle_digest_sha256` and a `manifest_fingerprint` equal to the one being verified.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as error:
        raise ValueError("flag is not ASCII") from error
    if flag_format == "text":
        body = text[:-1] if text.endswith("\n") else text
        body = body[:-1] if body.endswith("\r") else body
        match = _TEXT_FLAG.fullmatch(body)
        if match is None:
            raise ValueError("text flag is not one line 'sha256_hex = <64 hex>'")
        return match.group(1).lower()
    document = parse_json_bytes(data)
    if not isinstance(document, dict):
        raise ValueError("JSON flag is not an object")
    claimed = document.get("bundle_digest_sha256")
    if not isinstance(claimed, str) or _HEX64.fullmatch(claimed) is None:
        raise ValueError("JSON flag has no 64-hex bundle_digest_sha256")
    if document.get("manifest_fingerprint") != manifest_fingerprint:
        raise ValueError("JSON flag names another manifest_fingerprint")
    return claimed.lower()


def index_entries(data: bytes) -> list[dict[str, Any]]:
    """Entries of an index: a top-level list, or the list under exactly one of items/members/entries/files."""
    document = parse_json_bytes(data)
    if isinstance(document, dict):
        present = [key for key in _INDEX_KEYS if key in document]
        if len(present) != 1:
            raise ValueError(f"index must hold exactly one of {_INDEX_KEYS}, found {present}")
        document = document[present[0]]
    if not isinstance(document, list) or not document:
        raise ValueError("index entries are not a non-empty list")
    if not all(isinstance(entry, dict) for entry in document):
        raise ValueError("an index entry is not an object")
    return document


def _hash_files(reader: WorldReader, paths: list[str]) -> _Computed:
    hasher = hashlib.sha256()
    missing: list[str] = []
    for path in paths:
        try:
            data = reader.read_bytes(path)
        except FailClosed as error:
            if error.code != WORLD_OBJECT_MISSING:
                raise
            missing.append(path)
            continue
        if not missing:
            hasher.update(data)
    if missing:
        return _Computed(None, "MISSING", f"{len(missing)} listed file(s) absent", tuple(missing))
    return _Computed(hasher.hexdigest())


def _bundle_digest(reader: WorldReader, gate: GateSpec, bundle_root: str, listing: list[str]) -> _Computed:
    members = sorted(path for path in listing if _name(path) not in gate.exclusions)
    if not members:
        return _Computed(None, "MISSING", "the bundle holds no file besides the flag")
    # Sorted by path relative to the bundle folder; the common prefix keeps that order unchanged.
    return _hash_files(reader, members)


def _read_index(reader: WorldReader, gate: GateSpec, bundle_root: str) -> list[dict[str, Any]] | _Computed:
    if gate.index_file is None:  # excluded by GateSpec validation; kept as a fail-closed guard
        return _Computed(None, "CONFLICT", "the gate names no index file")
    index_path = join_relative(bundle_root, gate.index_file)
    try:
        data = reader.read_bytes(index_path)
    except FailClosed as error:
        if error.code != WORLD_OBJECT_MISSING:
            raise
        return _Computed(None, "MISSING", f"index {gate.index_file} is absent", (index_path,))
    try:
        return index_entries(data)
    except ValueError as error:
        return _Computed(None, "CONFLICT", f"index {gate.index_file} is invalid: {error}")


def _index_digest(reader: WorldReader, gate: GateSpec, bundle_root: str) -> _Computed:
    entries = _read_index(reader, gate, bundle_root)
    if isinstance(entries, _Computed):
        return entries
    paths: list[str] = []
    for entry in entries:
        path = entry.get("path")
        if not isinstance(path, str):
            return _Computed(None, "CONFLICT", "an index entry has no string 'path'")
        try:
            check_relative_path(path, what="index path")
        except FailClosed as error:
            return _Computed(None, "CONFLICT", f"index lists an unsafe path: {error.detail}")
        if _name(path) in gate.exclusions:
            continue
        paths.append(path)
    if not paths:
        return _Computed(None, "CONFLICT", "index lists no file once exclusions are dropped")
    if len(set(paths)) != len(paths):
        return _Computed(None, "CONFLICT", "index lists a path twice")
    if gate.index_order == "sorted":
        paths.sort()
    base = "" if gate.path_base == "run_root" else bundle_root
    return _hash_files(reader, [join_relative(base, path) for path in paths])


def _member_digest_concat(reader: WorldReader, gate: GateSpec, bundle_root: str) -> _Computed:
    entries = _read_index(reader, gate, bundle_root)
    if isinstance(entries, _Computed):
        return entries
    digests: list[str] = []
    for entry in entries:
        value = entry.get("sha256_hex")
        if not isinstance(value, str) or _HEX64.fullmatch(value) is None:
            return _Computed(None, "CONFLICT", "a member has no 64-hex sha256_hex")
        digests.append(value)
    return _Computed(hashlib.sha256("".join(digests).encode("utf-8")).hexdigest())


def compute_digest(reader: WorldReader, gate: GateSpec, bundle_root: str, listing: list[str]) -> _Computed:
    """Recompute a gate's digest by its law from the bytes in the world (never from the flag)."""
    if gate.method == "bundle_digest":
        return _bundle_digest(reader, gate, bundle_root, listing)
    if gate.method == "index_digest":
        return _index_digest(reader, gate, bundle_root)
    return _member_digest_concat(reader, gate, bundle_root)
