"""The local half of apply: one key pair per role, the identities file, a reload, and proof it took.

Only on the local substrates, where the project is its own identity provider. On dev_min the IAM
roles and Confluent service accounts are provisioned outside this project; the plan renders their
policies and ACLs, and `verify` proves them with the keys the environment pins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._reasons import BOOTSTRAP_IDENTITIES_INVALID, BOOTSTRAP_IDENTITIES_NOT_LIVE
from fraud_platform.bootstrap.credentials import ROLES_FILE, issue_keys, read_roles_file, write_roles_file
from fraud_platform.bootstrap.local_identities import (
    IDENTITIES_FILE,
    GrantExtra,
    read_identities,
    render_identities,
    write_identities,
)
from fraud_platform.bootstrap.model import object_allowed
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import OPERATOR, ROLES, BucketKind, ObjectAction
from fraud_platform.bootstrap.service_tokens import issue_service_tokens
from fraud_platform.bootstrap.sites import probe_sites
from fraud_platform.bootstrap.steps import Outcome, Step
from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.core.time import Clock
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["Reloader", "apply_local_identities", "wait_until_live"]

Reloader = Callable[[Path], Any]
"""Makes the S3 server enforce the rewritten identities file (`substrate.local.reload_identities`)."""

_POLL_S = 0.25


def apply_local_identities(
    fp_home: Path,
    seaweed_actions: dict[str, list[str]],
    *,
    rotate: bool,
    extras: Sequence[GrantExtra],
    reload: Reloader,
) -> tuple[list[Step], bool]:
    """Issue or reuse keys, rewrite roles.json and the identities file, reload if it changed.

    Returns the steps and whether the S3 server was reloaded. Never logs or returns key material.
    """
    roles_path = fp_home / ROLES_FILE
    existing, document = read_roles_file(roles_path)
    operator = existing.get(OPERATOR)
    if operator is None:
        raise FailClosed(
            BOOTSTRAP_IDENTITIES_INVALID, "credentials/roles.json has no operator; run `fp substrate up`", {}
        )
    roles = [role for role in ROLES if role != OPERATOR]
    pairs, outcomes = issue_keys(existing, roles, rotate=rotate)
    steps = [
        Step(f"role:{role}", "key_pair", Outcome(outcomes[role].value), pairs[role].key_id_hint)
        for role in roles
    ]
    roles_written = write_roles_file(roles_path, document, pairs)
    steps.append(
        Step(
            "file:credentials/roles.json",
            "mode 0600",
            Outcome.CHANGED if roles_written else Outcome.UNCHANGED,
        )
    )
    identities_path = fp_home / IDENTITIES_FILE
    rendered, dropped = render_identities(
        read_identities(identities_path), operator, pairs, seaweed_actions, extras
    )
    steps.extend(
        Step(f"identity:{name}", "identity", Outcome.REMOVED, "not in the role model") for name in dropped
    )
    changed = write_identities(identities_path, rendered)
    steps.append(
        Step(
            "file:seaweedfs/identities.json",
            "role identities",
            Outcome.CHANGED if changed else Outcome.UNCHANGED,
            f"{len(rendered['identities'])} identities",
        )
    )
    steps.extend(issue_service_tokens(fp_home, rotate=rotate))
    if changed:
        reload(fp_home)
    return steps, changed


def _liveness_call(ports: BootstrapPorts, role: str, buckets: dict[BucketKind, str]) -> None:
    """One call the role model allows `role`: a list where it may list, else a HEAD where it may read."""
    for kind in BucketKind:
        for site in probe_sites(kind):
            if object_allowed(role, kind, site, ObjectAction.LIST):
                next(iter(ports.store(role).list(S3Location(buckets[kind], site))), None)
                return
    for kind in BucketKind:
        for site in probe_sites(kind):
            key = f"{site}liveness.probe"
            if object_allowed(role, kind, key, ObjectAction.GET):
                ports.store(role).head(S3Location(buckets[kind], key))
                return


def wait_until_live(
    ports: BootstrapPorts, buckets: dict[BucketKind, str], clock: Clock, *, timeout_s: float = 60.0
) -> None:
    """Block until every role's new identity is accepted (the reload may take a few seconds).

    Raises TransientError(BOOTSTRAP_IDENTITIES_NOT_LIVE) when a role is still refused at the deadline.
    """
    ports.forget_credentials()
    deadline = clock.monotonic() + timeout_s
    for role in ROLES:
        while True:
            try:
                _liveness_call(ports, role, buckets)
                break
            except PlatformError as error:
                retryable = error.code == OBJECT_ACCESS_DENIED or error.transient
                if not retryable or clock.monotonic() >= deadline:
                    if not retryable:
                        raise
                    raise TransientError(
                        BOOTSTRAP_IDENTITIES_NOT_LIVE,
                        f"role {role} still refused {timeout_s:.0f}s after the identities reload",
                        {"role": role, "last_error": str(error.code)},
                    ) from error
                time.sleep(_POLL_S)
