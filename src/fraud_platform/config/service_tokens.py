"""Where a process finds the IG token signing key and its own service token, per profile.

- `local_parity`: `FP_HOME/credentials/service_tokens.json` (mode 0600, written by `fp bootstrap apply`):
  `{"signing_keys": {"ig": <hex>}, "tokens": {"<principal>": <token>}}`.
- `dev_min` (rehearsal too): the environment only: `DEV_MIN_IG_TOKEN_SIGNING_KEY` for IG, and
  `DEV_MIN_<PRINCIPAL>_IG_TOKEN` (e.g. `DEV_MIN_WSP_IG_TOKEN`) for a client; never a local file.

Both values are registered with the redaction layer as soon as they are read, so neither can ride
out in a log line or an error detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fraud_platform.config._credential_files import read_credential_document
from fraud_platform.config._reasons import CREDENTIALS_MISSING, PIN_MISSING
from fraud_platform.config._secrets import register_checked
from fraud_platform.config.home import fp_home as resolve_fp_home
from fraud_platform.config.loader import LOCAL_PARITY
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed

__all__ = [
    "IG_SIGNING_KEY_VARIABLE",
    "SERVICE_TOKENS_FILE",
    "dev_min_token_variable",
    "ig_signing_key",
    "service_token",
]

SERVICE_TOKENS_FILE = Path("credentials") / "service_tokens.json"
IG_SIGNING_KEY_VARIABLE = "DEV_MIN_IG_TOKEN_SIGNING_KEY"


def dev_min_token_variable(principal: str) -> str:
    """The environment variable holding a principal's IG token in dev_min."""
    return f"DEV_MIN_{principal.upper()}_IG_TOKEN"


def _source(profile: Profile) -> tuple[Mapping[str, str], Path]:
    source = profile.source
    env: Mapping[str, str] = source.env if source is not None else {}
    home = source.fp_home if source is not None and source.fp_home is not None else resolve_fp_home(env)
    return env, home


def _local_document(home: Path) -> dict[str, Any]:
    path = home / SERVICE_TOKENS_FILE
    return read_credential_document(
        path, f"no service tokens issued yet ({path} absent); run `fp bootstrap apply`"
    )


def _local_entry(home: Path, section: str, name: str) -> str:
    document = _local_document(home)
    entries = document.get(section)
    value = entries.get(name) if isinstance(entries, dict) else None
    if not isinstance(value, str) or not value:
        raise FailClosed(
            CREDENTIALS_MISSING,
            f"{home / SERVICE_TOKENS_FILE} has no {section[:-1].replace('_', ' ')} for {name}; "
            "run `fp bootstrap apply`",
            {"name": name},
        )
    return value


def _env_value(env: Mapping[str, str], variable: str) -> str:
    value = env.get(variable, "")
    if not value:
        raise FailClosed(
            PIN_MISSING,
            f"required pin not set: {variable}. dev_min never reads local token files.",
            {"missing": [variable]},
        )
    return value


def ig_signing_key(profile: Profile) -> str:
    """The key IG verifies service tokens with; registered for redaction.

    Raises FailClosed CREDENTIALS_MISSING / CREDENTIALS_INVALID (local) or PIN_MISSING (dev_min).
    """
    env, home = _source(profile)
    if profile.profile == LOCAL_PARITY:
        key = _local_entry(home, "signing_keys", "ig")
    else:
        key = _env_value(env, IG_SIGNING_KEY_VARIABLE)
    register_checked(key, "IG token signing key")
    return key


def service_token(profile: Profile, principal: str) -> str:
    """The token `principal` presents to IG; registered for redaction.

    Raises FailClosed CREDENTIALS_MISSING / CREDENTIALS_INVALID (local) or PIN_MISSING (dev_min).
    """
    env, home = _source(profile)
    if profile.profile == LOCAL_PARITY:
        token = _local_entry(home, "tokens", principal)
    else:
        token = _env_value(env, dev_min_token_variable(principal))
    register_checked(token, f"{principal} IG service token")
    return token
