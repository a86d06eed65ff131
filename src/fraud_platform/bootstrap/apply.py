"""`fp bootstrap apply`: make the substrate match the plan, idempotently.

Order: buckets and their posture (as the operator), topics (bus admin `ensure_topics`), the truth
canaries, then for local_parity the role keys and identities (reload, then wait until every
role's identity is accepted). Running it twice gives the same state: settings are read before they
are written, keys are reused, and the identities file is rewritten only when its bytes change.

The apply report lists every step (created / changed / unchanged / UNSUPPORTED_LOCALLY / …) and is
written to `FP_HOME/bootstrap/apply-<profile>.json`; with a run id it is also a governance fact
(`BOOTSTRAP_APPLIED`) in the run's evidence. It never holds key material.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._files import write_private_file
from fraud_platform.bootstrap._reasons import BOOTSTRAP_PROFILE_UNSUPPORTED
from fraud_platform.bootstrap.buckets import apply_bucket
from fraud_platform.bootstrap.evidence import emit_bootstrap_fact
from fraud_platform.bootstrap.local_apply import Reloader, apply_local_identities, wait_until_live
from fraud_platform.bootstrap.local_identities import GrantExtra
from fraud_platform.bootstrap.plan import bucket_names, build_plan, is_local, plan_digest
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import OPERATOR, BucketKind
from fraud_platform.bootstrap.sites import canary_key
from fraud_platform.bootstrap.steps import Outcome, Step
from fraud_platform.config import LOCAL_PARITY
from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import Digest, canonical_file_bytes, digest_of
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import redact_value
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.eb.topics import TOPICS
from fraud_platform.obs.families import BOOTSTRAP_APPLIED
from fraud_platform.substrate.objectstore.port import PutOutcome, S3Location

__all__ = ["APPLY_SCHEMA", "ApplyResult", "apply_bootstrap", "canary_bytes", "default_apply_report_path"]

APPLY_SCHEMA = "fp.bootstrap.apply_report/1"


@dataclass(frozen=True)
class ApplyResult:
    """The apply report, where it was written and its digest."""

    report: dict[str, Any]
    path: Path
    digest: Digest


def default_apply_report_path(fp_home: Path, profile_name: str) -> Path:
    """`FP_HOME/bootstrap/apply-<profile>.json`."""
    return fp_home / "bootstrap" / f"apply-{profile_name}.json"


def canary_bytes(kind: BucketKind) -> bytes:
    """The fixed bytes of a bucket's truth canary (no time, so every apply writes the same object)."""
    return canonical_file_bytes(
        {
            "kind": "fp.bootstrap.truth_canary",
            "bucket": kind.value,
            "why": "verify tries to delete this object under every role; the bucket policy must refuse all",
        }
    )


def _topic_steps(ports: BootstrapPorts, local: bool) -> list[Step]:
    created = set(ports.bus_admin().ensure_topics(TOPICS))
    steps = [
        Step(
            f"topic:{spec.name}",
            "exists",
            Outcome.CREATED if spec.name in created else Outcome.UNCHANGED,
            f"partitions={spec.partitions} retention_ms={spec.retention_ms}",
        )
        for spec in TOPICS
    ]
    if local:
        steps.append(
            Step(
                "bus:tansu",
                "acls",
                Outcome.UNSUPPORTED_LOCALLY,
                "tansu has no ACLs and no SASL; plan ACLs unenforced",
            )
        )
    return steps


def _canary_steps(ports: BootstrapPorts, buckets: dict[BucketKind, str]) -> list[Step]:
    steps = []
    for kind in BucketKind:
        location = S3Location(buckets[kind], canary_key(kind))
        outcome = ports.store(OPERATOR).put_if_absent(
            location, canary_bytes(kind), content_type="application/json"
        )
        steps.append(
            Step(
                f"bucket:{buckets[kind]}",
                "truth_canary",
                Outcome.CREATED if outcome is PutOutcome.CREATED else Outcome.UNCHANGED,
                location.key,
            )
        )
    return steps


def apply_bootstrap(
    profile: Profile,
    *,
    ports: BootstrapPorts,
    fp_home: Path,
    clock: Clock,
    rotate: bool = False,
    extras: Sequence[GrantExtra] = (),
    run_id: str | None = None,
    reload: Reloader | None = None,
    report_path: Path | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> ApplyResult:
    """Apply the plan of `profile`; see the module docstring. `say` receives progress lines.

    Raises:
        FailClosed(BOOTSTRAP_PROFILE_UNSUPPORTED): `rotate`/`extras` outside the local substrates.
        FailClosed / TransientError: a substrate refusal (e.g. OBJECT_ACCESS_DENIED, BUS_TOPIC_MISMATCH)
            or BOOTSTRAP_IDENTITIES_NOT_LIVE; steps already done stay done and a rerun converges.
    """
    plan = build_plan(profile)
    local = is_local(profile)
    issues_keys = profile.profile == LOCAL_PARITY
    if (rotate or extras) and not issues_keys:
        raise FailClosed(
            BOOTSTRAP_PROFILE_UNSUPPORTED,
            "--rotate and --grant-extra act on local_parity identities only",
            {"profile": profile.profile},
        )
    buckets = bucket_names(profile)
    steps: list[Step] = []
    for planned in plan["buckets"]:
        say(f"bucket {planned['name']}")
        steps.extend(apply_bucket(ports.s3_admin(), planned, local=local))
    say("topics")
    steps.extend(_topic_steps(ports, local))
    steps.extend(_canary_steps(ports, buckets))
    reloaded = False
    if issues_keys:
        say("role keys and identities")
        if reload is None:
            from fraud_platform.substrate.local import reload_identities

            reload = reload_identities
        actions = {role["role"]: list(role["seaweedfs_actions"]) for role in plan["roles"]}
        local_steps, reloaded = apply_local_identities(
            fp_home, actions, rotate=rotate, extras=extras, reload=reload
        )
        steps.extend(local_steps)
        say("waiting until every role identity is accepted")
        wait_until_live(ports, buckets, clock)
    else:
        steps.append(
            Step(
                "iam",
                "roles",
                Outcome.NOT_MANAGED,
                "IAM roles and Confluent ACLs are provisioned from the plan",
            )
        )
    summary = Counter(step.outcome.value for step in steps)
    report: dict[str, Any] = {
        "schema": APPLY_SCHEMA,
        "profile": profile.profile,
        "rehearsal": profile.rehearsal,
        "plan_digest": plan_digest(plan),
        "applied_at_utc": format_utc(clock.now()),
        "steps": [step.to_json() for step in steps],
        "summary": dict(sorted(summary.items())),
        "unsupported_locally": [
            f"{step.target} {step.setting}" for step in steps if step.outcome is Outcome.UNSUPPORTED_LOCALLY
        ],
        "overrides": [f"{role} {action}" for role, action in extras],
        "identities_reloaded": reloaded,
        "evidence": None,
    }
    if run_id is not None:
        details = {key: report[key] for key in ("plan_digest", "steps", "unsupported_locally", "overrides")}
        report["evidence"] = emit_bootstrap_fact(ports, profile, run_id, BOOTSTRAP_APPLIED, details, clock)
    report = redact_value(report)
    path = report_path or default_apply_report_path(fp_home, profile.profile)
    write_private_file(path, canonical_file_bytes(report), mode=0o644)
    return ApplyResult(report, path, digest_of(report))
