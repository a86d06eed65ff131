"""The profiles shipped as package data (`config/profiles/<name>.yaml`), read raw, pins unresolved."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from fraud_platform.config._reasons import PROFILE_INVALID, PROFILE_UNKNOWN
from fraud_platform.core.errors import FailClosed

__all__ = ["parse_profile_text", "profile_names", "raw_profile"]

_PACKAGE = "fraud_platform.config"
_FOLDER = "profiles"
_SUFFIX = ".yaml"


def profile_names() -> tuple[str, ...]:
    """Names of every shipped profile, sorted (the file names without `.yaml`)."""
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return tuple(
        sorted(entry.name[: -len(_SUFFIX)] for entry in folder.iterdir() if entry.name.endswith(_SUFFIX))
    )


def parse_profile_text(text: str, *, source: str) -> dict[str, Any]:
    """Parse one profile document (safe YAML, a mapping at the top); PROFILE_INVALID otherwise."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FailClosed(
            PROFILE_INVALID, f"{source} is not valid YAML: {error}", {"source": source}
        ) from error
    if not isinstance(document, dict):
        raise FailClosed(PROFILE_INVALID, f"{source} must be a mapping at the top", {"source": source})
    return document


def raw_profile(name: str) -> dict[str, Any]:
    """The parsed, unresolved document of shipped profile `name`; PROFILE_UNKNOWN if there is none."""
    names = profile_names()
    if name not in names:
        raise FailClosed(
            PROFILE_UNKNOWN,
            f"unknown profile {name!r}; shipped profiles: {', '.join(names)}",
            {"profile": name, "known": list(names)},
        )
    text = resources.files(_PACKAGE).joinpath(_FOLDER, f"{name}{_SUFFIX}").read_text(encoding="utf-8")
    return parse_profile_text(text, source=f"profile {name}")
