"""The dev_min fail-closed rules: managed substrates only, explicit pins only, nothing local.

Checked on the resolved, schema-valid profile, in this order; the first violation is raised with its
own code and every violation is listed in the error's refs (so one fix-up round suffices):

1. `DEV_MIN_LOCAL_PATH`: any non-secret value is a `file:` URI or a local path, or an Oracle root is
   not `s3://`.
2. `PIN_NOT_EXPLICIT`: an Oracle root, scenario id or bucket names `latest`/`current` or holds a
   wildcard (`*`, `?`).
3. `DEV_MIN_SQLITE_REFUSED`: the state DSN is SQLite.
4. `DEV_MIN_LOCAL_ENDPOINT`: the S3 endpoint, a Kafka bootstrap host, a state-store host or the IG URL
   is loopback, private, link-local, unspecified, `localhost`, or absent (a local socket).
5. `DEV_MIN_PLAINTEXT_KAFKA`: Kafka is anything but SASL_SSL with the PLAIN mechanism.

A rehearsal drops 3 to 5 (`RELAXED_BY_REHEARSAL`); 1 and 2 always hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fraud_platform.config._endpoints import (
    bootstrap_hosts,
    http_url_host,
    is_local_host,
    looks_like_local_path,
    parse_dsn,
)
from fraud_platform.config._reasons import (
    DEV_MIN_LOCAL_ENDPOINT,
    DEV_MIN_LOCAL_PATH,
    DEV_MIN_PLAINTEXT_KAFKA,
    DEV_MIN_SQLITE_REFUSED,
    PIN_NOT_EXPLICIT,
)
from fraud_platform.config.rehearsal import RELAXED_BY_REHEARSAL
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import ReasonCode

__all__ = ["Violation", "check_dev_min", "dev_min_violations"]

_MOVING_TARGETS = frozenset({"latest", "current"})
_SECRET_PATHS = frozenset({"bus.api_key", "bus.api_secret", "state.dsn"})


@dataclass(frozen=True)
class Violation:
    """One broken rule: its code, the profile key and a human sentence (secret-free)."""

    code: ReasonCode
    path: str
    detail: str


def _string_leaves(profile: Profile) -> list[tuple[str, str]]:
    leaves: list[tuple[str, str]] = []
    for section_name, section in profile.model_dump(exclude={"profile", "rehearsal"}).items():
        for key, value in section.items():
            path = f"{section_name}.{key}"
            if isinstance(value, str) and path not in _SECRET_PATHS:
                leaves.append((path, value))
    return leaves


def _local_paths(profile: Profile) -> list[Violation]:
    found = [
        Violation(DEV_MIN_LOCAL_PATH, path, f"{path} is a local path or file URI: {value!r}")
        for path, value in _string_leaves(profile)
        if looks_like_local_path(value)
    ]
    flagged = {violation.path for violation in found}
    oracle = profile.oracle
    for key, root in (
        ("engine_run_root", oracle.engine_run_root),
        ("stream_view_root", oracle.stream_view_root),
    ):
        path = f"oracle.{key}"
        if root is not None and path not in flagged and not root.startswith("s3://"):
            found.append(Violation(DEV_MIN_LOCAL_PATH, path, f"{path} must be an s3:// URI, got {root!r}"))
    return found


def _is_explicit(value: str) -> bool:
    if "*" in value or "?" in value:
        return False
    return not _MOVING_TARGETS.intersection(re.split(r"[^a-z0-9]+", value.lower()))


def _moving_targets(profile: Profile) -> list[Violation]:
    candidates = {
        "oracle.engine_run_root": profile.oracle.engine_run_root,
        "oracle.scenario_id": profile.oracle.scenario_id,
        "oracle.stream_view_root": profile.oracle.stream_view_root,
        "object_store.object_store_bucket": profile.object_store.object_store_bucket,
        "object_store.evidence_bucket": profile.object_store.evidence_bucket,
    }
    return [
        Violation(PIN_NOT_EXPLICIT, path, f"{path} must name one exact thing, got {value!r}")
        for path, value in candidates.items()
        if value is not None and not _is_explicit(value)
    ]


def _local_substrates(profile: Profile) -> list[Violation]:
    found: list[Violation] = []
    dsn = parse_dsn(profile.state.dsn.get_secret_value())
    if dsn.is_sqlite:
        found.append(Violation(DEV_MIN_SQLITE_REFUSED, "state.dsn", "state.dsn is a SQLite DSN"))
    elif not dsn.hosts or any(is_local_host(host) for host in dsn.hosts):
        named = ", ".join(dsn.hosts) or "none (a local socket)"
        found.append(Violation(DEV_MIN_LOCAL_ENDPOINT, "state.dsn", f"state.dsn host is local: {named}"))
    endpoints: dict[str, list[str | None]] = {
        "ig.url": [http_url_host(profile.ig.url)],
        "bus.bootstrap": [*bootstrap_hosts(profile.bus.bootstrap)],
    }
    if profile.object_store.endpoint_url is not None:
        endpoints["object_store.endpoint_url"] = [http_url_host(profile.object_store.endpoint_url)]
    for path, hosts in endpoints.items():
        local = [host or "" for host in hosts if is_local_host(host)]
        if local:
            found.append(
                Violation(DEV_MIN_LOCAL_ENDPOINT, path, f"{path} points at a local host: {', '.join(local)}")
            )
    bus = profile.bus
    if bus.security_protocol != "SASL_SSL" or bus.sasl_mechanism != "PLAIN":
        found.append(
            Violation(
                DEV_MIN_PLAINTEXT_KAFKA,
                "bus.security_protocol",
                f"Kafka must be SASL_SSL/PLAIN, got {bus.security_protocol}/{bus.sasl_mechanism}",
            )
        )
    return found


def dev_min_violations(profile: Profile) -> list[Violation]:
    """Every rule `profile` breaks, in rule order, after the rehearsal relaxations."""
    found = _local_paths(profile) + _moving_targets(profile) + _local_substrates(profile)
    if profile.rehearsal:
        found = [violation for violation in found if violation.code not in RELAXED_BY_REHEARSAL]
    return found


def check_dev_min(profile: Profile) -> None:
    """Raise the first violation (FailClosed with its own code); all of them are listed in refs."""
    found = dev_min_violations(profile)
    if found:
        first = found[0]
        raise FailClosed(
            first.code,
            first.detail,
            {
                "profile": profile.profile,
                "rehearsal": profile.rehearsal,
                "violations": [{"code": str(v.code), "path": v.path, "detail": v.detail} for v in found],
            },
        )
