"""Per-role Kafka API keys and the Confluent service accounts they belong to (dev_min).

Why per role: Confluent Cloud authorises the principal a key authenticates as, a service account
(`User:sa-…`). With one key shared by every role, every component is that one principal, so any of
them could publish READY and no ACL rendered by bootstrap could single a role out. So in dev_min
(rehearsal included, whose point is to exercise the same pins):

- `operator` uses the profile's own key, `bus.api_key` / `bus.api_secret` (pins
  `DEV_MIN_KAFKA_API_KEY` / `DEV_MIN_KAFKA_API_SECRET`): bus administration (topics, ACLs);
- every other role R uses `DEV_MIN_KAFKA_API_KEY_<R>` / `DEV_MIN_KAFKA_API_SECRET_<R>` (R upper-case),
  read when that role's settings are asked for; a missing pair is `PIN_MISSING` for R alone, so the
  other roles still load (a host that runs only IG needs only IG's key);
- every role R names its service account in `DEV_MIN_KAFKA_SERVICE_ACCOUNT_<R>` (`sa-…`): the
  principal the plan's ACL bindings are rendered for. Not a secret.

Key and secret are registered for redaction where they are read. local_parity has no keys: tansu
speaks no SASL, and its principals are names in the plan only (never enforced).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

from fraud_platform.config._reasons import PIN_MISSING, PROFILE_INVALID
from fraud_platform.config._secrets import register_checked
from fraud_platform.config.loader import LOCAL_PARITY
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed

__all__ = [
    "KAFKA_ADMIN_ROLE",
    "kafka_key_variables",
    "kafka_principals",
    "role_kafka_key",
    "service_account_principals",
    "service_account_variable",
]

KAFKA_ADMIN_ROLE = "operator"
_SERVICE_ACCOUNT = re.compile(r"sa-[A-Za-z0-9]+")


def kafka_key_variables(role: str) -> tuple[str, str]:
    """The two environment variables of a non-operator role's Kafka key pair in dev_min."""
    return f"DEV_MIN_KAFKA_API_KEY_{role.upper()}", f"DEV_MIN_KAFKA_API_SECRET_{role.upper()}"


def service_account_variable(role: str) -> str:
    """The environment variable naming a role's Confluent service account in dev_min."""
    return f"DEV_MIN_KAFKA_SERVICE_ACCOUNT_{role.upper()}"


def role_kafka_key(profile: Profile, role: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """The (key, secret) `role` authenticates with; None on local_parity (tansu has no SASL).

    Raises:
        FailClosed(PIN_MISSING): dev_min, a non-operator role whose key pair is not set; the detail
            and refs name this role's variables only.
        FailClosed(SECRET_TOO_SHORT): a key or secret too short to redact.
    """
    bus = profile.bus
    if profile.profile == LOCAL_PARITY:
        return None
    if role == KAFKA_ADMIN_ROLE:
        if bus.api_key is None or bus.api_secret is None:
            return None
        return bus.api_key.get_secret_value(), bus.api_secret.get_secret_value()
    key_var, secret_var = kafka_key_variables(role)
    missing = [var for var in (key_var, secret_var) if not env.get(var)]
    if missing:
        raise FailClosed(
            PIN_MISSING,
            f"role {role}: Kafka key pin(s) not set: {', '.join(missing)}. Each role has its own "
            "Confluent API key; the operator's key is never shared.",
            {"role": role, "missing": missing},
        )
    key, secret = env[key_var], env[secret_var]
    register_checked(key, f"role {role} Kafka API key")
    register_checked(secret, f"role {role} Kafka API secret")
    return key, secret


def service_account_principals(env: Mapping[str, str], roles: Iterable[str]) -> dict[str, str]:
    """`role -> "User:sa-…"` for every role, from the dev_min service-account pins.

    Raises:
        FailClosed(PIN_MISSING): some pins are unset (every missing variable is named at once).
        FailClosed(PROFILE_INVALID): a pin is not a Confluent service-account id (`sa-` + letters/digits).
    """
    roles = tuple(roles)
    missing = [
        service_account_variable(role) for role in roles if not env.get(service_account_variable(role))
    ]
    if missing:
        raise FailClosed(
            PIN_MISSING,
            f"Kafka service-account pin(s) not set: {', '.join(missing)}. The plan's ACLs bind each "
            "role's Confluent service account (sa-…).",
            {"missing": missing},
        )
    malformed = [
        service_account_variable(role)
        for role in roles
        if _SERVICE_ACCOUNT.fullmatch(env[service_account_variable(role)]) is None
    ]
    if malformed:
        raise FailClosed(
            PROFILE_INVALID,
            f"not a Confluent service-account id (sa-<letters/digits>): {', '.join(malformed)}",
            {"invalid": malformed},
        )
    return {role: f"User:{env[service_account_variable(role)]}" for role in roles}


def kafka_principals(
    profile: Profile, roles: Iterable[str], *, env: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """The Kafka principal of every role in dev_min (from the pins); None on local_parity.

    `env` defaults to the one the profile was loaded with (then `os.environ`), as for credentials.
    Raises as `service_account_principals`.
    """
    if profile.profile == LOCAL_PARITY:
        return None
    source = profile.source
    chosen = env if env is not None else (source.env if source is not None else os.environ)
    return service_account_principals(chosen, roles)
