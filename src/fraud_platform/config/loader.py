"""Loading a profile: read the shipped file, resolve its pins, validate, register secrets, check rules.

Pin sources, by profile (nothing else is ever consulted):

- `local_parity`: the environment first, then `FP_HOME/local_pins.json` (written by `fp substrate up`),
  read only when the environment lacks a pin.
- `dev_min` (rehearsal or not): the environment only. It never reads `local_pins.json` nor any other
  local file, so no local value can leak into a managed run.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from fraud_platform.config._endpoints import parse_dsn
from fraud_platform.config._reasons import (
    LOCAL_PINS_INVALID,
    PROFILE_INVALID,
    REHEARSAL_NOT_APPLICABLE,
)
from fraud_platform.config._secrets import register_checked
from fraud_platform.config.dev_min_rules import check_dev_min
from fraud_platform.config.home import fp_home as resolve_fp_home
from fraud_platform.config.pins import PinLookup, pins_in, require_all, substitute
from fraud_platform.config.rehearsal import rehearsal_from_env
from fraud_platform.config.schema import Profile, ProfileSource
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed

__all__ = [
    "DEV_MIN",
    "LOCAL_PARITY",
    "LOCAL_PINS_FILE",
    "PinStatus",
    "describe_pins",
    "load_profile",
    "profile_from_document",
    "read_local_pins",
]

LOCAL_PARITY = "local_parity"
DEV_MIN = "dev_min"
LOCAL_PINS_FILE = "local_pins.json"


def read_local_pins(home: Path) -> dict[str, str]:
    """`FP_HOME/local_pins.json` as a flat name → text mapping; `{}` when the file does not exist."""
    path = home / LOCAL_PINS_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        document = parse_json_bytes(raw)
    except ValueError as error:
        raise FailClosed(LOCAL_PINS_INVALID, f"{path} is not JSON: {error}", {"path": str(path)}) from error
    if not isinstance(document, dict):
        raise FailClosed(LOCAL_PINS_INVALID, f"{path} must be a JSON object", {"path": str(path)})
    pins: dict[str, str] = {}
    for name, value in document.items():
        # bool is an int in Python; a true/false pin is a mistake, not a port number.
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise FailClosed(
                LOCAL_PINS_INVALID, f"{path}: pin {name} must be a string or an integer", {"path": str(path)}
            )
        pins[name] = str(value)
    return pins


class _LocalParityPins:
    """Environment first, then local_pins.json, read at most once and only if the environment lacks a pin."""

    def __init__(self, env: Mapping[str, str], home: Path) -> None:
        self._env = env
        self._home = home
        self._file: dict[str, str] | None = None

    def __call__(self, name: str) -> str | None:
        value = self._env.get(name)
        if value:
            return value
        if self._file is None:
            self._file = read_local_pins(self._home)
        return self._file.get(name)


def _lookup_for(name: str, env: Mapping[str, str], home: Path | None) -> tuple[PinLookup, str]:
    if name == LOCAL_PARITY and home is not None:
        hint = f"Run `fp substrate up` (it writes {home / LOCAL_PINS_FILE}) or set the variable."
        return _LocalParityPins(env, home), hint
    return env.get, "Set it in the environment; this profile never falls back to local values."


def _validation_detail(name: str, error: ValidationError) -> str:
    # include_input=False: an input may be a secret; the location and message are enough to fix it.
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or '<top>'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    ]
    return f"profile {name}: " + "; ".join(problems)


def _register_secrets(profile: Profile) -> None:
    """Register every secret the profile holds, so no log, error or evidence can show it."""
    for field, secret in (("bus.api_key", profile.bus.api_key), ("bus.api_secret", profile.bus.api_secret)):
        if secret is not None and secret.get_secret_value():
            register_checked(secret.get_secret_value(), field)
    for password in parse_dsn(profile.state.dsn.get_secret_value()).passwords:
        register_checked(password, "state.dsn password")
        decoded = unquote(password)
        if decoded != password:
            register_checked(decoded, "state.dsn password")


def profile_from_document(
    document: Mapping[str, Any],
    *,
    name: str,
    env: Mapping[str, str],
    fp_home: Path | None = None,
    rehearsal: bool | None = None,
) -> Profile:
    """Resolve and validate one raw profile document (the shipped files go through here too).

    Which pin sources and rules apply is decided by `name` (`local_parity` / `dev_min`), so a test
    can feed a deliberately broken document through exactly the production path.
    """
    if document.get("profile") != name:
        raise FailClosed(
            PROFILE_INVALID,
            f"profile {name}: its `profile` key says {document.get('profile')!r}",
            {"profile": name},
        )
    if "rehearsal" in document:
        raise FailClosed(
            PROFILE_INVALID,
            f"profile {name}: `rehearsal` is set by the loader, never by a file",
            {"profile": name},
        )
    wants_rehearsal = rehearsal is True or (name == DEV_MIN and rehearsal_from_env(env))
    if wants_rehearsal and name != DEV_MIN:
        raise FailClosed(
            REHEARSAL_NOT_APPLICABLE,
            f"rehearsal applies to {DEV_MIN} only, not to {name}",
            {"profile": name},
        )
    home = (fp_home or resolve_fp_home(env)) if name == LOCAL_PARITY else None
    lookup, hint = _lookup_for(name, env, home)
    result = substitute(copy.deepcopy(dict(document)), lookup)
    require_all(result, profile=name, hint=hint)
    resolved = {**result.document, "rehearsal": wants_rehearsal}
    try:
        profile = Profile.model_validate(resolved)
    except ValidationError as error:
        raise FailClosed(PROFILE_INVALID, _validation_detail(name, error), {"profile": name}) from error
    profile._source = ProfileSource(env=env, fp_home=home)
    _register_secrets(profile)
    if name == DEV_MIN:
        check_dev_min(profile)
    return profile


def load_profile(
    name: str = LOCAL_PARITY,
    *,
    env: Mapping[str, str] | None = None,
    fp_home: Path | None = None,
    rehearsal: bool | None = None,
) -> Profile:
    """Load shipped profile `name` with every pin resolved; fails closed, never guesses.

    Args:
        name: `local_parity` or `dev_min` (anything else: PROFILE_UNKNOWN).
        env: where pins are read (default `os.environ`); remembered for `role_credentials`.
        fp_home: FP_HOME for local_parity (default: `fp_home(env)`); ignored by dev_min.
        rehearsal: True asks for a dev_min rehearsal; None/False leave it to `FP_DEV_MIN_REHEARSAL`.

    Raises:
        FailClosed: PROFILE_UNKNOWN, PROFILE_INVALID, PIN_MISSING, LOCAL_PINS_INVALID, SECRET_TOO_SHORT,
            REHEARSAL_NOT_APPLICABLE, or a dev_min rule (see `dev_min_rules`).
    """
    source_env: Mapping[str, str] = os.environ if env is None else env
    return profile_from_document(
        raw_profile(name), name=name, env=source_env, fp_home=fp_home, rehearsal=rehearsal
    )


@dataclass(frozen=True)
class PinStatus:
    """Where one pin of a profile would be resolved from; never its value (it may be a secret)."""

    name: str
    path: str
    kind: str
    source: str

    @property
    def missing(self) -> bool:
        return self.source == "missing"


def describe_pins(
    name: str = LOCAL_PARITY, *, env: Mapping[str, str] | None = None, fp_home: Path | None = None
) -> list[PinStatus]:
    """Every pin of shipped profile `name` and its source: `env`, `local_pins.json`, `default`, `null`
    (an unset optional pin) or `missing`; consults exactly the sources `load_profile` would."""
    source_env: Mapping[str, str] = os.environ if env is None else env
    home = (fp_home or resolve_fp_home(source_env)) if name == LOCAL_PARITY else None
    file_pins = read_local_pins(home) if home is not None else {}
    statuses: list[PinStatus] = []
    for pin in pins_in(raw_profile(name)):
        if source_env.get(pin.name):
            source = "env"
        elif file_pins.get(pin.name):
            source = LOCAL_PINS_FILE
        elif pin.default is not None:
            source = "default"
        else:
            source = "null" if pin.optional else "missing"
        statuses.append(PinStatus(pin.name, pin.path, pin.kind, source))
    return statuses
