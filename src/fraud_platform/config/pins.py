"""Pins: the `${VAR}` placeholders of a profile file, and their substitution.

Three forms, nothing else:

- `${VAR}`          a required pin; unset (or empty) → `PIN_MISSING`. May sit inside a longer string
                    (`http://127.0.0.1:${FP_LOCAL_IG_PORT}`).
- `${VAR?}`         an optional pin; unset (or empty) → the value is null. Must be the whole value,
                    because half a string with a hole in it is never meaningful.
- `${VAR:-default}` a defaulted pin; unset → the default written in the profile file itself. The default
                    is a value of the versioned profile (shown by `fp config show`), never a value read
                    from somewhere else, so this is not a fallback. Must be the whole value.

Substitution is one pass: a pin's value is never scanned for further pins, so a secret that happens
to contain `${` stays a literal. Anything else that looks like a pin (`${lower}`, an unclosed `${`)
is `PROFILE_INVALID`: a typo must not survive as a literal string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.config._reasons import PIN_MISSING, PROFILE_INVALID
from fraud_platform.core.errors import FailClosed

__all__ = ["Pin", "PinLookup", "Substitution", "pins_in", "require_all", "substitute"]

_PIN = re.compile(r"\$\{(?P<name>[A-Z][A-Z0-9_]*)(?:(?P<optional>\?)|:-(?P<default>[^{}$]*))?\}")

PinLookup = Callable[[str], str | None]
"""Returns the value of a pin variable, or None when no source has it."""


@dataclass(frozen=True)
class Pin:
    """One placeholder in a profile: where it sits, which variable, and how absence is treated."""

    path: str
    name: str
    optional: bool = False
    default: str | None = None

    @property
    def kind(self) -> str:
        """`required`, `optional` or `default` (for listings)."""
        if self.optional:
            return "optional"
        return "default" if self.default is not None else "required"


@dataclass
class Substitution:
    """The outcome of one substitution pass: the resolved document and the required pins nobody set."""

    document: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    pinned_paths: dict[str, list[str]] = field(default_factory=dict)


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def _parse(path: str, text: str) -> list[tuple[re.Match[str], Pin]]:
    matches = list(_PIN.finditer(text))
    leftover = _PIN.sub("", text)
    if "${" in leftover:
        raise FailClosed(PROFILE_INVALID, f"malformed pin at {path}: {text!r}", {"path": path})
    parsed: list[tuple[re.Match[str], Pin]] = []
    for match in matches:
        pin = Pin(path, match["name"], match["optional"] is not None, match["default"])
        if (pin.optional or pin.default is not None) and match.group(0) != text:
            raise FailClosed(
                PROFILE_INVALID,
                f"optional and defaulted pins must be the whole value, at {path}: {text!r}",
                {"path": path},
            )
        parsed.append((match, pin))
    return parsed


def pins_in(document: dict[str, Any]) -> list[Pin]:
    """Every pin of a raw profile document, in document order (raises PROFILE_INVALID if malformed)."""
    return [pin for path, text in _walk(document, "") for _, pin in _parse(path, text)]


def _substitute_value(value: Any, path: str, lookup: PinLookup, out: Substitution) -> Any:
    if isinstance(value, dict):
        return {
            key: _substitute_value(item, f"{path}.{key}" if path else str(key), lookup, out)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_substitute_value(item, f"{path}[{i}]", lookup, out) for i, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    parsed = _parse(path, value)
    if not parsed:
        return value
    out.pinned_paths[path] = [pin.name for _, pin in parsed]
    pieces: list[str] = []
    cursor = 0
    for match, pin in parsed:
        pieces.append(value[cursor : match.start()])
        cursor = match.end()
        found = lookup(pin.name) or None  # an empty pin is no pin
        if found is None:
            if pin.optional:
                return None
            if pin.default is not None:
                found = pin.default
            else:
                if pin.name not in out.missing:
                    out.missing.append(pin.name)
                found = ""
        pieces.append(found)
    pieces.append(value[cursor:])
    return "".join(pieces)


def substitute(document: dict[str, Any], lookup: PinLookup) -> Substitution:
    """Replace every pin of `document` in one pass; required pins nobody set are listed, not guessed."""
    out = Substitution(document={})
    out.document = _substitute_value(document, "", lookup, out)
    return out


def require_all(result: Substitution, *, profile: str, hint: str) -> None:
    """Raise PIN_MISSING naming every unset required pin (all at once, so one fix-up round suffices)."""
    if result.missing:
        names = ", ".join(result.missing)
        raise FailClosed(
            PIN_MISSING,
            f"profile {profile}: required pin(s) not set: {names}. {hint}".strip(),
            {"profile": profile, "missing": list(result.missing)},
        )
