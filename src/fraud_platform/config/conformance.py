"""Conformance: every profile has the same semantic key set, so profiles differ only in values.

Compared on the raw documents (pins unresolved), so the check needs no environment and no substrate.
The schema takes part as one more "profile": a key both files share but the schema lacks is a
divergence too. Keys the loader sets (`rehearsal`) are not part of a file, so not of the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from fraud_platform.config.schema import Profile
from fraud_platform.config.shipped import profile_names, raw_profile

__all__ = [
    "SCHEMA_NAME",
    "ConformanceReport",
    "check_shipped_conformance",
    "compare_documents",
    "compare_key_sets",
    "schema_keys",
    "semantic_keys",
]

SCHEMA_NAME = "<schema>"
_LOADER_KEYS = frozenset({"rehearsal"})


def semantic_keys(document: Mapping[str, Any], prefix: str = "") -> frozenset[str]:
    """Dotted paths of every leaf of a profile document; a list is one leaf (its length is a value)."""
    keys: set[str] = set()
    for key, value in document.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            keys |= semantic_keys(value, path)
        else:
            keys.add(path)
    return frozenset(keys)


def schema_keys(model: type[BaseModel] = Profile, prefix: str = "") -> frozenset[str]:
    """Dotted leaf paths the schema defines, without the keys only the loader sets."""
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        if not prefix and name in _LOADER_KEYS:
            continue
        path = f"{prefix}.{name}" if prefix else name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= schema_keys(annotation, path)
        else:
            keys.add(path)
    return frozenset(keys)


@dataclass(frozen=True)
class ConformanceReport:
    """Per participant, the keys others have and it lacks (`missing`) and those only it has (`extra`)."""

    participants: tuple[str, ...]
    key_count: int
    missing: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra

    @property
    def differing_keys(self) -> list[str]:
        """Every key not shared by all participants, sorted."""
        return sorted({key for keys in (*self.missing.values(), *self.extra.values()) for key in keys})

    def to_json(self) -> dict[str, Any]:
        return {
            "participants": list(self.participants),
            "key_count": self.key_count,
            "differing_keys": self.differing_keys,
            "missing": self.missing,
            "extra": self.extra,
        }


def compare_key_sets(key_sets: Mapping[str, frozenset[str]]) -> ConformanceReport:
    """Compare any number of key sets (profile documents, the schema); conformant when all are equal."""
    union = frozenset().union(*key_sets.values()) if key_sets else frozenset()
    missing: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    for name, keys in key_sets.items():
        if union - keys:
            missing[name] = sorted(union - keys)
        others = [other for other_name, other in key_sets.items() if other_name != name]
        only_here = keys - frozenset().union(*others) if others else frozenset()
        if only_here:
            extra[name] = sorted(only_here)
    return ConformanceReport(tuple(key_sets), len(union), missing, extra)


def compare_documents(
    documents: Mapping[str, Mapping[str, Any]], *, include_schema: bool = True
) -> ConformanceReport:
    """Conformance of raw profile documents (name → document), optionally against the schema too."""
    key_sets = {name: semantic_keys(document) for name, document in documents.items()}
    if include_schema:
        key_sets[SCHEMA_NAME] = schema_keys()
    return compare_key_sets(key_sets)


def check_shipped_conformance() -> ConformanceReport:
    """Conformance of every shipped profile and the schema."""
    return compare_documents({name: raw_profile(name) for name in profile_names()})
