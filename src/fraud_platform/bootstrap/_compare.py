"""Normal forms of bucket settings, so "already as planned" is judged the same way on every store.

Stores echo settings back in slightly different shapes (AWS turns one-element lists into strings,
may drop an empty `Prefix`, adds defaults); comparing normal forms keeps `apply` idempotent (no
rewrite when nothing changed) and lets `verify` say exactly which setting drifted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["normal_lifecycle", "normal_policy"]

_LIST_KEYS = frozenset({"Action", "NotAction", "Resource", "NotResource"})


def _as_sorted_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted(items, key=str)


def _normal_condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    return {
        operator: {key: _as_sorted_list(value) for key, value in sorted(clauses.items())}
        for operator, clauses in sorted(condition.items())
    }


def _normal_principal(principal: Any) -> Any:
    if principal == {"AWS": "*"} or principal == {"AWS": ["*"]}:
        return "*"
    if isinstance(principal, Mapping):
        return {key: _as_sorted_list(value) for key, value in sorted(principal.items())}
    return principal


def normal_policy(policy: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """The statements of a policy document in a comparable form, sorted by Sid (None stays None)."""
    if policy is None:
        return None
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    normal: list[dict[str, Any]] = []
    for statement in statements:
        entry: dict[str, Any] = {}
        for key, value in statement.items():
            if key in _LIST_KEYS:
                entry[key] = _as_sorted_list(value)
            elif key == "Condition":
                entry[key] = _normal_condition(value)
            elif key == "Principal":
                entry[key] = _normal_principal(value)
            else:
                entry[key] = value
        normal.append(entry)
    return sorted(normal, key=lambda item: str(item.get("Sid", "")))


def _normal_filter(rule: Mapping[str, Any]) -> dict[str, Any]:
    raw = rule.get("Filter")
    if raw is None and "Prefix" in rule:
        raw = {"Prefix": rule["Prefix"]}
    raw = dict(raw or {})
    if "Tag" in raw:
        tag = raw["Tag"]
        return {"Tag": {"Key": str(tag.get("Key")), "Value": str(tag.get("Value"))}}
    return {"Prefix": str(raw.get("Prefix", ""))}


def normal_lifecycle(rules: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The lifecycle rules in a comparable form (the fields bootstrap sets), sorted by ID."""
    if rules is None:
        return None
    normal: list[dict[str, Any]] = []
    for rule in rules:
        entry: dict[str, Any] = {
            "ID": str(rule.get("ID", "")),
            "Status": str(rule.get("Status", "")),
            "Filter": _normal_filter(rule),
        }
        if "Expiration" in rule and "Days" in rule["Expiration"]:
            entry["ExpirationDays"] = int(rule["Expiration"]["Days"])
        if "NoncurrentVersionExpiration" in rule:
            entry["NoncurrentDays"] = int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        if "AbortIncompleteMultipartUpload" in rule:
            entry["AbortDays"] = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        normal.append(entry)
    return sorted(normal, key=lambda item: str(item["ID"]))
