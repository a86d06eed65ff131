"""Per-role credentials and Kafka settings, read from the same place the profile came from.

- `local_parity`: `FP_HOME/credentials/roles.json` (`operator` written by `fp substrate up`, the other
  roles by `fp bootstrap apply`).
- `dev_min` (rehearsal too): the environment only, `DEV_MIN_ROLE_<ROLE>_AWS_ACCESS_KEY_ID` and
  `DEV_MIN_ROLE_<ROLE>_AWS_SECRET_ACCESS_KEY`; never a local file. Kafka keys are per role too
  (`config.kafka_keys`).

Layering: config sits below substrate. The value types it returns (`S3Credentials`, `KafkaSettings`)
live in `config.settings`; the substrate adapters take them (the ports re-export them), so config
imports nothing from substrate (an ast test enforces it) and no import cycle can arise.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from fraud_platform.config._credential_files import read_credential_document
from fraud_platform.config._reasons import CREDENTIALS_INVALID, CREDENTIALS_MISSING, PIN_MISSING, ROLE_UNKNOWN
from fraud_platform.config._secrets import register_checked
from fraud_platform.config.home import fp_home as resolve_fp_home
from fraud_platform.config.kafka_keys import role_kafka_key
from fraud_platform.config.loader import LOCAL_PARITY
from fraud_platform.config.schema import Profile
from fraud_platform.config.settings import KafkaSettings, S3Credentials
from fraud_platform.core.errors import FailClosed

__all__ = [
    "ROLES",
    "ROLES_FILE",
    "check_role",
    "dev_min_role_variables",
    "kafka_settings",
    "role_credentials",
]

ROLES: tuple[str, ...] = (
    "operator",
    "oracle_lander",
    "oracle_sorter",
    "sr",
    "wsp",
    "ig",
    "reporter",
    "auditor",
)
ROLES_FILE = Path("credentials") / "roles.json"


def check_role(role: str) -> None:
    """Raise ROLE_UNKNOWN unless `role` is one of the platform roles."""
    if role not in ROLES:
        raise FailClosed(ROLE_UNKNOWN, f"unknown role {role!r}; roles: {', '.join(ROLES)}", {"role": role})


def dev_min_role_variables(role: str) -> tuple[str, str]:
    """The two environment variables holding a dev_min role's key pair."""
    prefix = f"DEV_MIN_ROLE_{role.upper()}_AWS"
    return f"{prefix}_ACCESS_KEY_ID", f"{prefix}_SECRET_ACCESS_KEY"


def _context(
    profile: Profile, env: Mapping[str, str] | None, fp_home: Path | None
) -> tuple[Mapping[str, str], Path | None]:
    source = profile.source
    chosen_env = env if env is not None else (source.env if source is not None else os.environ)
    chosen_home = fp_home if fp_home is not None else (source.fp_home if source is not None else None)
    return chosen_env, chosen_home


def _local_key_pair(role: str, home: Path) -> tuple[str, str]:
    path = home / ROLES_FILE
    hint = "run `fp substrate up`" if role == "operator" else "run `fp bootstrap apply`"
    document = read_credential_document(
        path, f"no credentials issued yet ({path} absent); {hint}", {"role": role}
    )
    entry = document.get(role)
    if entry is None:
        raise FailClosed(
            CREDENTIALS_MISSING, f"role {role} has no credentials in {path}; {hint}", {"role": role}
        )
    key_id = entry.get("access_key_id") if isinstance(entry, dict) else None
    secret = entry.get("secret_access_key") if isinstance(entry, dict) else None
    if not isinstance(key_id, str) or not key_id or not isinstance(secret, str) or not secret:
        raise FailClosed(
            CREDENTIALS_INVALID,
            f"{path}: role {role} needs non-empty access_key_id and secret_access_key",
            {"path": str(path), "role": role},
        )
    return key_id, secret


def _env_key_pair(role: str, env: Mapping[str, str]) -> tuple[str, str]:
    key_var, secret_var = dev_min_role_variables(role)
    missing = [var for var in (key_var, secret_var) if not env.get(var)]
    if missing:
        raise FailClosed(
            PIN_MISSING,
            f"role {role}: required pin(s) not set: {', '.join(missing)}. "
            "Set them in the environment; dev_min never reads local credentials.",
            {"role": role, "missing": missing},
        )
    return env[key_var], env[secret_var]


def role_credentials(
    profile: Profile,
    role: str,
    *,
    env: Mapping[str, str] | None = None,
    fp_home: Path | None = None,
) -> S3Credentials:
    """One role's S3 key pair plus the profile's endpoint and region; the secret is registered.

    `env` / `fp_home` default to those the profile was loaded with (then `os.environ`), so credentials
    never come from a different place than the pins did.

    Raises:
        FailClosed: ROLE_UNKNOWN; local_parity CREDENTIALS_MISSING (hint `fp bootstrap apply`) or
            CREDENTIALS_INVALID; dev_min PIN_MISSING; SECRET_TOO_SHORT.
    """
    check_role(role)
    chosen_env, chosen_home = _context(profile, env, fp_home)
    if profile.profile == LOCAL_PARITY:
        key_id, secret = _local_key_pair(role, chosen_home or resolve_fp_home(chosen_env))
    else:
        key_id, secret = _env_key_pair(role, chosen_env)
    register_checked(secret, f"role {role} secret_access_key")
    return S3Credentials(
        endpoint_url=profile.object_store.endpoint_url,
        region=profile.object_store.region,
        access_key_id=key_id,
        secret_access_key=secret,
        role=role,
    )


def kafka_settings(profile: Profile, role: str, *, env: Mapping[str, str] | None = None) -> KafkaSettings:
    """How `role` reaches the profile's Kafka API, under its own key; client id `fp-<role>`.

    The key pair is the role's own (`config.kafka_keys`): dev_min reads it when asked, so a missing
    pair refuses this role only. SASL fields are filled only for a SASL protocol: a rehearsal on
    PLAINTEXT tansu gets none (SASL properties mean nothing without SASL), yet its key pins must be
    set, as a rehearsal exercises the dev_min pins.

    Raises:
        FailClosed: ROLE_UNKNOWN; dev_min PIN_MISSING for this role's key pair; SECRET_TOO_SHORT.
    """
    check_role(role)
    chosen_env, _home = _context(profile, env, None)
    key_pair = role_kafka_key(profile, role, chosen_env)
    bus = profile.bus
    sasl = bus.security_protocol.startswith("SASL_") and key_pair is not None
    return KafkaSettings(
        bootstrap=bus.bootstrap,
        security_protocol=bus.security_protocol,
        sasl_mechanism=bus.sasl_mechanism if sasl else None,
        sasl_username=key_pair[0] if sasl and key_pair is not None else None,
        sasl_password=key_pair[1] if sasl and key_pair is not None else None,
        session_timeout_ms=bus.session_timeout_ms,
        client_id=f"fp-{role}",
        role=role,
    )
