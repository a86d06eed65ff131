"""Registry of reason codes: every refusal names one, registered once with a one-line meaning.

Packages declare their codes in their own `_reasons.py` through :func:`reason`, so the registry
grows without a central file that every change must touch. `docs/reason-codes.md` is generated
from this registry (`fp reasons --markdown`) and a test keeps the two in sync.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ReasonCode", "ReasonInfo", "all_reasons", "lookup", "reason"]

_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


class ReasonCode(str):
    """A registered, stable UPPER_SNAKE reason code (a `str`, so it serialises as itself)."""

    __slots__ = ()


@dataclass(frozen=True)
class ReasonInfo:
    """What a code means, who owns it, and whether retrying may succeed (transient) or not (terminal)."""

    code: ReasonCode
    meaning: str
    owner: str
    transient: bool


_REGISTRY: dict[str, ReasonInfo] = {}


def reason(code: str, meaning: str, *, owner: str, transient: bool = False) -> ReasonCode:
    """Register `code` once and return it; a second registration with another meaning is a bug."""
    if not _CODE_PATTERN.match(code):
        raise ValueError(f"reason code {code!r} is not UPPER_SNAKE")
    info = ReasonInfo(ReasonCode(code), meaning, owner, transient)
    existing = _REGISTRY.get(code)
    if existing is not None and existing != info:
        raise ValueError(f"reason code {code} registered twice with different meanings")
    _REGISTRY[code] = info
    return info.code


def lookup(code: str) -> ReasonInfo:
    """Return the registration of `code`; raises KeyError for an unregistered code."""
    return _REGISTRY[code]


def all_reasons() -> list[ReasonInfo]:
    """Every registered code, sorted by code, after importing every package that declares codes."""
    from fraud_platform.core import _catalogue  # noqa: F401  (imports each package's _reasons module)

    return sorted(_REGISTRY.values(), key=lambda info: info.code)
