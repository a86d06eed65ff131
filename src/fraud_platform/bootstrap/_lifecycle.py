"""Seam to the substrate's lifecycle helper, which models prefix filters only.

`S3Admin.put_lifecycle_rules` takes `LifecycleRule`s and sends `rule.to_s3()`. The plan also needs a
tag filter (`fp-retention=transient`, for transient data below a run id that no literal prefix can
match), so a rule here carries the exact S3 shape the plan rendered and hands it over unchanged.
If the substrate's `LifecycleRule` gains tag filters, this module reduces to a conversion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.substrate.objectstore.admin import LifecycleRule

__all__ = ["as_lifecycle_rules"]


@dataclass(frozen=True)
class _PlannedRule(LifecycleRule):
    """A lifecycle rule whose S3 form is exactly the plan's (prefix or tag filter)."""

    planned: Mapping[str, Any] = field(default_factory=dict)

    def to_s3(self) -> dict[str, Any]:
        return dict(self.planned)


def as_lifecycle_rules(rules: Sequence[Mapping[str, Any]]) -> list[LifecycleRule]:
    """The plan's rules as the substrate helper's type, S3 shape preserved."""
    return [
        _PlannedRule(
            rule_id=str(rule["ID"]),
            prefix=str(rule.get("Filter", {}).get("Prefix", "")),
            planned=dict(rule),
        )
        for rule in rules
    ]
