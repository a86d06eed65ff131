"""World-relative paths, partition templates and world-key values: one validator for all of them.

A path inside a world is always relative to the engine run root, uses `/`, never climbs out and never
carries whitespace at its ends: the first generation of this platform broke when a template read from
YAML kept its trailing newline, and when identities hashed absolute locations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._reasons import WORLD_KEY_INVALID, WORLD_PATH_INVALID

__all__ = [
    "PARTITION_TOKENS",
    "check_relative_path",
    "check_world_key",
    "join_relative",
    "parse_template",
    "render_template",
]

# The canonical order of partition tokens; a dataset uses a subset, always in this order.
PARTITION_TOKENS: tuple[str, ...] = (
    "seed",
    "parameter_hash",
    "manifest_fingerprint",
    "scenario_id",
    "run_id",
    "utc_day",
)

_STATIC_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")
_PARTITION_SEGMENT = re.compile(r"^([a-z_]+)=\{([a-z_]+)\}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_SCENARIO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_UTC_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_SEED = 2**64 - 1


def check_relative_path(path: str, *, what: str = "path") -> str:
    """Return `path` if it is a safe world-relative file or folder path; raise WORLD_PATH_INVALID otherwise.

    Safe means: no leading/trailing whitespace, not absolute, no scheme, no backslash, no empty,
    `.` or `..` segment, no control characters. The empty string (the root itself) is allowed.
    """
    if path == "":
        return path
    problem = _path_problem(path)
    if problem:
        raise FailClosed(WORLD_PATH_INVALID, f"{what} {path!r} {problem}", {"path": path})
    return path


def _path_problem(path: str) -> str:
    if path != path.strip():
        return "has leading or trailing whitespace"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return "contains a control character"
    if path.startswith("/") or "://" in path or "\\" in path:
        return "is absolute or not a plain relative path"
    segments = path.rstrip("/").split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return "has an empty, '.' or '..' segment"
    return ""


def join_relative(prefix: str, name: str) -> str:
    """Join two world-relative parts with exactly one `/` (either may be empty)."""
    prefix = prefix.rstrip("/")
    name = name.lstrip("/")
    if not prefix:
        return name
    if not name:
        return prefix
    return f"{prefix}/{name}"


def parse_template(template: str) -> tuple[str, tuple[str, ...]]:
    """Validate a partition template and return (its static prefix, its tokens in order).

    A template is `data/<static segments>/<tok>={tok}/…`: relative, starting with `data/`, static
    segments first, then partition segments whose names equal their tokens, known tokens only, in
    the canonical order, no repeats. Raises ValueError with the reason (the caller maps it to its code).
    """
    if not isinstance(template, str) or not template:
        raise ValueError("template must be a non-empty string")
    problem = _path_problem(template)
    if problem:
        raise ValueError(f"template {template!r} {problem}")
    if template.endswith("/"):
        raise ValueError(f"template {template!r} must not end with '/'")
    segments = template.split("/")
    if segments[0] != "data":
        raise ValueError(f"template {template!r} must start with 'data/'")
    static: list[str] = []
    tokens: list[str] = []
    for segment in segments:
        match = _PARTITION_SEGMENT.match(segment)
        if match is None:
            if "{" in segment or "}" in segment:
                raise ValueError(f"template segment {segment!r} is not of the form name={{name}}")
            if tokens:
                raise ValueError(f"static segment {segment!r} after a partition segment")
            if not _STATIC_SEGMENT.match(segment):
                raise ValueError(f"template segment {segment!r} has characters outside [A-Za-z0-9_.-]")
            static.append(segment)
            continue
        name, token = match.groups()
        if name != token:
            raise ValueError(f"partition segment {segment!r}: name and token differ")
        if token not in PARTITION_TOKENS:
            raise ValueError(f"unknown partition token {token!r}")
        if token in tokens:
            raise ValueError(f"partition token {token!r} repeated")
        if tokens and PARTITION_TOKENS.index(token) < PARTITION_TOKENS.index(tokens[-1]):
            raise ValueError(f"partition token {token!r} out of canonical order {PARTITION_TOKENS}")
        tokens.append(token)
    return "/".join(static), tuple(tokens)


def render_template(template: str, values: Mapping[str, object]) -> str:
    """Fill a validated template's tokens from `values` (each value checked with `check_world_key`)."""
    _, tokens = parse_template(template)
    rendered = template
    for token in tokens:
        if token not in values:
            raise FailClosed(
                WORLD_KEY_INVALID, f"template needs a value for {token!r}", {"template": template}
            )
        rendered = rendered.replace("{" + token + "}", check_world_key(token, values[token]))
    return rendered


def check_world_key(name: str, value: object) -> str:
    """Return the partition/path form of a world-key value, or raise WORLD_KEY_INVALID.

    Every value lands in a path, so its shape is pinned: hex digests are 64 lowercase hex, the engine
    run id is 32, the seed a uint64, the scenario id a short safe identifier.
    """
    text = str(value)
    valid: bool
    if name == "seed":
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_SEED
    elif name in ("manifest_fingerprint", "parameter_hash"):
        valid = isinstance(value, str) and _HEX64.match(value) is not None
    elif name == "run_id":
        valid = isinstance(value, str) and _HEX32.match(value) is not None
    elif name == "scenario_id":
        valid = isinstance(value, str) and _SCENARIO.match(value) is not None
    elif name == "utc_day":
        valid = isinstance(value, str) and _UTC_DAY.match(value) is not None
    else:
        raise FailClosed(WORLD_KEY_INVALID, f"unknown world-key name {name!r}", {"name": name})
    if not valid:
        raise FailClosed(WORLD_KEY_INVALID, f"{name}={text!r} is malformed", {"name": name, "value": text})
    return text
