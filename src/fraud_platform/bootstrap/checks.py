"""Setting checks of verify: bucket posture, truth canaries, topics and (locally) the identities file.

Read as the operator and compared with the plan. The identities check names exactly which actions a
role has beyond (or short of) the role model, so an over-broad identity is reported both by the
probes (a real call allowed that must be denied) and here (the action that allows it).
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._compare import normal_lifecycle, normal_policy
from fraud_platform.bootstrap.apply import canary_bytes
from fraud_platform.bootstrap.credentials import ROLES_FILE
from fraud_platform.bootstrap.local_identities import IDENTITIES_FILE, read_identities
from fraud_platform.bootstrap.outcomes import CheckResult, Verdict
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.substrate._reasons import OBJECT_STORE_FEATURE_UNSUPPORTED
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["bucket_checks", "credentials_file_check", "identity_checks", "topic_checks"]


def _compare(
    target: str, check: str, expected: Any, observed: Any, shown: Callable[[Any], str] = str
) -> CheckResult:
    verdict = Verdict.PASS if expected == observed else Verdict.FAIL
    return CheckResult(target, check, shown(expected), shown(observed), verdict)


def _guarded(
    target: str, check: str, expected: str, local: bool, read: Callable[[], CheckResult]
) -> CheckResult:
    try:
        return read()
    except FailClosed as error:
        if error.code == OBJECT_STORE_FEATURE_UNSUPPORTED and local:
            return CheckResult(
                target, check, expected, "unsupported", Verdict.UNSUPPORTED_LOCALLY, error.detail
            )
        return CheckResult(target, check, expected, "error", Verdict.FAIL, f"{error.code}: {error.detail}")
    except PlatformError as error:
        return CheckResult(target, check, expected, "error", Verdict.FAIL, f"{error.code}: {error.detail}")


def bucket_checks(ports: BootstrapPorts, planned: Mapping[str, Any], *, local: bool) -> list[CheckResult]:
    """Versioning, SSE, lifecycle, policy, public access block and the truth canary of one bucket."""
    admin = ports.s3_admin()
    name = str(planned["name"])
    kind = BucketKind(planned["kind"])
    target = f"s3://{name}"

    def canary() -> CheckResult:
        location = S3Location(name, str(planned["canary_key"]))
        same = ports.store(OPERATOR).get(location) == canary_bytes(kind)
        return CheckResult(
            target,
            "truth_canary",
            "present",
            "present" if same else "different bytes",
            Verdict.PASS if same else Verdict.FAIL,
            location.key,
        )

    reads: list[tuple[str, str, Callable[[], CheckResult]]] = [
        (
            "exists",
            "true",
            lambda: _compare(target, "exists", True, admin.bucket_exists(name), lambda v: str(v).lower()),
        ),
        (
            "versioning",
            str(planned["versioning"]),
            lambda: _compare(target, "versioning", planned["versioning"], admin.get_versioning(name)),
        ),
        (
            "sse",
            str(planned["sse"]["algorithm"]),
            lambda: _compare(
                target, "sse", planned["sse"]["algorithm"], admin.get_encryption_algorithm(name)
            ),
        ),
        (
            "lifecycle",
            f"{len(planned['lifecycle_rules'])} rules",
            lambda: _compare(
                target,
                "lifecycle",
                normal_lifecycle(planned["lifecycle_rules"]),
                normal_lifecycle(admin.get_lifecycle_rules(name)),
                _count_rules,
            ),
        ),
        (
            "policy",
            "as planned",
            lambda: _compare(
                target,
                "policy",
                normal_policy(planned["policy"]),
                normal_policy(admin.get_policy(name)),
                _policy_shown,
            ),
        ),
        (
            "public_access_block",
            "all four blocks on",
            lambda: _compare(
                target,
                "public_access_block",
                dict(planned["public_access_block"]),
                admin.get_public_access_block(name),
                _pab_shown,
            ),
        ),
        ("truth_canary", "present", canary),
    ]
    return [_guarded(target, check, expected, local, read) for check, expected, read in reads]


def _count_rules(rules: Any) -> str:
    return "none" if rules is None else f"{len(rules)} rules"


def _policy_shown(statements: Any) -> str:
    if statements is None:
        return "none"
    return ",".join(str(statement.get("Sid", "?")) for statement in statements)


def _pab_shown(flags: Any) -> str:
    if flags is None:
        return "none"
    return "all four blocks on" if all(flags.values()) and len(flags) == 4 else str(flags)


def topic_checks(ports: BootstrapPorts, planned_topics: list[Mapping[str, Any]]) -> list[CheckResult]:
    """Every catalogue topic exists with its planned partition count."""
    try:
        existing = ports.bus_admin().list_topics()
    except PlatformError as error:
        return [
            CheckResult("kafka", "topics", "listed", "error", Verdict.FAIL, f"{error.code}: {error.detail}")
        ]
    results = []
    for topic in planned_topics:
        name = str(topic["name"])
        observed = existing.get(name)
        results.append(
            CheckResult(
                f"kafka://{name}",
                "partitions",
                str(topic["partitions"]),
                "absent" if observed is None else str(observed),
                Verdict.PASS if observed == topic["partitions"] else Verdict.FAIL,
            )
        )
    return results


def identity_checks(fp_home: Path, planned_roles: list[Mapping[str, Any]]) -> list[CheckResult]:
    """Each role's SeaweedFS identity holds exactly the planned actions (the operator: Admin)."""
    try:
        identities = {str(item.get("name")): item for item in read_identities(fp_home / IDENTITIES_FILE)}
    except FailClosed as error:
        return [CheckResult("identities.json", "identities", "readable", "error", Verdict.FAIL, error.detail)]
    results = []
    for role in planned_roles:
        name = str(role["role"])
        planned = set(role["seaweedfs_actions"])
        identity = identities.get(name)
        if identity is None:
            results.append(CheckResult(f"identity:{name}", "actions", "present", "absent", Verdict.FAIL))
            continue
        actual = {str(action) for action in identity.get("actions") or []}
        if name == OPERATOR:
            ok = "Admin" in actual
            results.append(
                CheckResult(
                    f"identity:{name}",
                    "actions",
                    "Admin",
                    ",".join(sorted(actual)),
                    Verdict.PASS if ok else Verdict.FAIL,
                )
            )
            continue
        extra, missing = sorted(actual - planned), sorted(planned - actual)
        detail = "; ".join(
            part
            for part in (f"extra: {extra}" if extra else "", f"missing: {missing}" if missing else "")
            if part
        )
        results.append(
            CheckResult(
                f"identity:{name}",
                "actions",
                f"{len(planned)} planned",
                "as planned" if not detail else f"{len(actual)} actual",
                Verdict.FAIL if detail else Verdict.PASS,
                detail,
            )
        )
    return results


def credentials_file_check(fp_home: Path) -> CheckResult:
    """`credentials/roles.json` is readable by its owner only (0600)."""
    path = fp_home / ROLES_FILE
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return CheckResult(str(ROLES_FILE), "mode", "0600", "absent", Verdict.FAIL)
    return CheckResult(
        str(ROLES_FILE), "mode", "0600", f"{mode:04o}", Verdict.PASS if mode == 0o600 else Verdict.FAIL
    )
