"""Small parsers shared by the command groups, so one option means one thing everywhere."""

from __future__ import annotations

__all__ = ["comma_list"]


def comma_list(value: str | None) -> list[str] | None:
    """`--outputs a, b,,c` → `["a", "b", "c"]`; an absent option → None (the command's default set)."""
    if not value:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]
