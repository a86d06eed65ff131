"""`fp bootstrap verify`: prove the posture with real calls under each role's own credentials.

1. checks (as the operator): bucket settings, truth canaries, topics, and locally the identities file;
2. seeds: the operator writes the read and delete targets of this run (nonce-named, probe sites only);
3. the S3 matrix (`probes.object_probes`): every role puts, gets, lists and deletes at every probe
   site and tries to delete both truth canaries; each outcome is judged against the role model;
4. Kafka (`kafka_probes`), each under the role's own API key: one allowed produce (the audit topic)
   proves connectivity, one produce and one consume the role may not make must be denied, and on
   dev_min one allowed consume; tansu has no ACLs, so locally the forbidden ones are
   UNSUPPORTED_LOCALLY (not attempted), never a pass;
5. write-once (`write_once`): an overwrite that skips If-None-Match must be refused by the store
   (dev_min bucket policy); SeaweedFS cannot express that, so locally the probe shows the overwrite
   succeeding and the check is UNSUPPORTED_LOCALLY, with that evidence;
6. cleanup: the operator deletes every object of this run's nonce (the evidence bucket is versioned,
   so a noncurrent version stays until the probe-site lifecycle rule expires it);
7. the posture report goes to `FP_HOME/bootstrap/posture-<profile>.json`; every role must show at
   least one denied probe, and any FAIL makes the command exit 2 (POSTURE_VIOLATION).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._files import write_private_file
from fraud_platform.bootstrap._reasons import BOOTSTRAP_NOT_APPLIED
from fraud_platform.bootstrap.checks import (
    bucket_checks,
    credentials_file_check,
    identity_checks,
    topic_checks,
)
from fraud_platform.bootstrap.evidence import emit_bootstrap_fact
from fraud_platform.bootstrap.kafka_probes import run_topic_probe
from fraud_platform.bootstrap.outcomes import CheckResult, Observed, ProbeResult, Verdict
from fraud_platform.bootstrap.plan import bucket_names, build_plan, is_local, plan_digest
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.probes import (
    S3_ACTION_NAMES,
    ObjectProbe,
    object_probes,
    seed_objects,
    topic_probes,
)
from fraud_platform.bootstrap.roles import OPERATOR, ROLES, BucketKind, ObjectAction
from fraud_platform.bootstrap.sites import site_roots
from fraud_platform.bootstrap.write_once import write_once_checks
from fraud_platform.config import LOCAL_PARITY
from fraud_platform.config.schema import Profile
from fraud_platform.core.canonical import Digest, canonical_file_bytes, digest_of
from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.core.redact import redact_value
from fraud_platform.core.time import Clock, format_utc
from fraud_platform.obs.families import BOOTSTRAP_VERIFIED
from fraud_platform.substrate._reasons import OBJECT_ACCESS_DENIED
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["POSTURE_SCHEMA", "VerifyResult", "default_posture_path", "verify_bootstrap"]

POSTURE_SCHEMA = "fp.bootstrap.posture/1"
_WORKERS = 4


@dataclass(frozen=True)
class VerifyResult:
    """The posture report, where it was written, its digest, and whether every verdict allows a pass."""

    report: dict[str, Any]
    path: Path
    digest: Digest

    @property
    def ok(self) -> bool:
        return bool(self.report["ok"])

    @property
    def roles_with_violations(self) -> list[str]:
        return list(self.report["roles_with_violations"])


def default_posture_path(fp_home: Path, profile_name: str) -> Path:
    """`FP_HOME/bootstrap/posture-<profile>.json`."""
    return fp_home / "bootstrap" / f"posture-{profile_name}.json"


def _require_credentials(ports: BootstrapPorts) -> None:
    missing = []
    for role in ROLES:
        try:
            ports.credentials(role)
        except FailClosed as error:
            missing.append(f"{role} ({error.code})")
    if missing:
        raise FailClosed(
            BOOTSTRAP_NOT_APPLIED,
            f"no usable credentials for: {', '.join(missing)}; run `fp bootstrap apply`",
            {"roles": missing},
        )


def _run_object_probe(
    ports: BootstrapPorts, probe: ObjectProbe, nonce: str, seeds: dict[str, bytes]
) -> ProbeResult:
    store = ports.store(probe.role)
    location = probe.location
    detail = "truth canary" if probe.is_canary else ""
    try:
        if probe.action is ObjectAction.PUT:
            store.put_if_absent(location, f"bootstrap probe {probe.role} {nonce}\n".encode())
        elif probe.action is ObjectAction.GET:
            if store.get(location) != seeds[location.uri]:
                return _result(probe, Observed.ERROR, "read back other bytes than the seed")
        elif probe.action is ObjectAction.LIST:
            next(iter(store.list(location)), None)
        else:
            store.delete(location)
    except PlatformError as error:
        if error.code == OBJECT_ACCESS_DENIED:
            return _result(probe, Observed.DENIED, detail)
        return _result(probe, Observed.ERROR, f"{error.code}: {error.detail}")
    return _result(probe, Observed.ALLOWED, detail)


def _result(probe: ObjectProbe, observed: Observed, detail: str) -> ProbeResult:
    return ProbeResult(
        probe.role, S3_ACTION_NAMES[probe.action], probe.location.uri, probe.expect_allow, observed, detail
    )


def _cleanup(ports: BootstrapPorts, buckets: dict[BucketKind, str], nonce: str) -> dict[str, Any]:
    store = ports.store(OPERATOR)
    marker = f".{nonce}."
    keys: set[S3Location] = set()
    for kind in BucketKind:
        for root in site_roots(kind):
            keys.update(
                S3Location(buckets[kind], info.key)
                for info in store.list(S3Location(buckets[kind], root))
                if marker in info.key
            )
    failed = []
    for location in sorted(keys, key=lambda loc: loc.uri):
        try:
            store.delete(location)
        except PlatformError as error:
            failed.append(f"{location.uri}: {error.code}")
    return {
        "deleted": len(keys) - len(failed),
        "failed": failed,
        "note": "versioned buckets keep noncurrent probe versions until the probe-site lifecycle expires them",
    }


def _denied_per_role(probes: list[ProbeResult]) -> list[CheckResult]:
    counts = Counter(p.role for p in probes if not p.expect_allow and p.verdict is Verdict.PASS)
    return [
        CheckResult(
            f"role:{role}",
            "denied_probes",
            ">=1",
            str(counts[role]),
            Verdict.PASS if counts[role] else Verdict.FAIL,
        )
        for role in ROLES
    ]


def verify_bootstrap(
    profile: Profile,
    *,
    ports: BootstrapPorts,
    fp_home: Path,
    clock: Clock,
    run_id: str | None = None,
    report_path: Path | None = None,
    nonce: str | None = None,
    say: Callable[[str], None] = lambda _: None,
    on_probe: Callable[[int, int], None] = lambda done, total: None,
) -> VerifyResult:
    """Run checks and probes, clean up, write the posture report; see the module docstring.

    `say` receives progress lines and `on_probe(done, total)` is called after every probe.

    Never raises for a posture violation (the report says `ok: false`); raises FailClosed
    (BOOTSTRAP_NOT_APPLIED) when roles have no credentials, and substrate errors while seeding.
    """
    plan = build_plan(profile)
    local = is_local(profile)
    buckets = bucket_names(profile)
    nonce = nonce or secrets.token_hex(4)
    _require_credentials(ports)
    say("checking bucket posture, topics and identities")
    checks: list[CheckResult] = []
    for planned in plan["buckets"]:
        checks.extend(bucket_checks(ports, planned, local=local))
    checks.extend(topic_checks(ports, plan["topics"]))
    if profile.profile == LOCAL_PARITY:
        checks.extend(identity_checks(fp_home, plan["roles"]))
        checks.append(credentials_file_check(fp_home))
    seeds = seed_objects(buckets, nonce)
    say(f"seeding {len(seeds)} probe targets")
    for role in ROLES:
        ports.store(role)  # open every client up front: the pool threads then only read the cache
    operator = ports.store(OPERATOR)
    seed_bytes = {seed.location.uri: seed.body for seed in seeds}
    matrix = object_probes(buckets, nonce)
    kafka = topic_probes(allowed_consumes=not local)
    total = len(matrix) + len(kafka)
    say(f"running {total} probes under {len(ROLES)} roles")
    probes: list[ProbeResult] = []
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        list(pool.map(lambda seed: operator.put_if_absent(seed.location, seed.body), seeds))
        s3_results = pool.map(lambda probe: _run_object_probe(ports, probe, nonce, seed_bytes), matrix)
        kafka_results = pool.map(
            lambda probe: run_topic_probe(ports, probe, nonce, local=local, clock=clock), kafka
        )
        for result in chain(s3_results, kafka_results):
            probes.append(result)
            on_probe(len(probes), total)
    say("probing write-once: an overwrite that skips If-None-Match")
    checks.extend(write_once_checks(ports, plan["buckets"], nonce, local=local))
    say("cleaning up probe objects")
    cleanup = _cleanup(ports, buckets, nonce)
    checks.extend(_denied_per_role(probes))
    return _finish(profile, plan, ports, fp_home, clock, probes, checks, cleanup, nonce, run_id, report_path)


def _finish(
    profile: Profile,
    plan: dict[str, Any],
    ports: BootstrapPorts,
    fp_home: Path,
    clock: Clock,
    probes: list[ProbeResult],
    checks: list[CheckResult],
    cleanup: dict[str, Any],
    nonce: str,
    run_id: str | None,
    report_path: Path | None,
) -> VerifyResult:
    failed_probes = [p for p in probes if p.verdict is Verdict.FAIL]
    failed_checks = [c for c in checks if c.verdict is Verdict.FAIL]
    roles_failed = sorted(
        {p.role for p in failed_probes}
        | {c.target.split(":", 1)[1] for c in failed_checks if c.target.startswith(("identity:", "role:"))},
        key=lambda role: ROLES.index(role) if role in ROLES else len(ROLES),
    )
    verdicts = Counter(p.verdict.value for p in probes)
    report: dict[str, Any] = {
        "schema": POSTURE_SCHEMA,
        "profile": profile.profile,
        "rehearsal": profile.rehearsal,
        "plan_digest": plan_digest(plan),
        "verified_at_utc": format_utc(clock.now()),
        "nonce": nonce,
        "ok": not failed_probes and not failed_checks,
        "summary": {
            "probes": len(probes),
            "verdicts": dict(sorted(verdicts.items())),
            "checks": dict(sorted(Counter(c.verdict.value for c in checks).items())),
            "denied_probes_by_role": {
                role: sum(
                    1 for p in probes if p.role == role and not p.expect_allow and p.verdict is Verdict.PASS
                )
                for role in ROLES
            },
        },
        "roles_with_violations": roles_failed,
        "violations": [
            f"{p.role} {p.action} {p.target}: expected {'allow' if p.expect_allow else 'deny'}, "
            f"observed {p.observed.value}"
            for p in failed_probes
        ]
        + [
            f"{c.target} {c.check}: expected {c.expected}, observed {c.observed} {c.detail}".strip()
            for c in failed_checks
        ],
        "unsupported_locally": sorted(
            {f"{p.action} {p.target}" for p in probes if p.verdict is Verdict.UNSUPPORTED_LOCALLY}
            | {f"{c.target} {c.check}" for c in checks if c.verdict is Verdict.UNSUPPORTED_LOCALLY}
        ),
        "checks": [c.to_json() for c in checks],
        "probes": [p.to_json() for p in probes],
        "cleanup": cleanup,
        "evidence": None,
    }
    if run_id is not None and report["ok"]:
        details = {
            "plan_digest": report["plan_digest"],
            "summary": report["summary"],
            "unsupported_locally": report["unsupported_locally"],
        }
        report["evidence"] = emit_bootstrap_fact(ports, profile, run_id, BOOTSTRAP_VERIFIED, details, clock)
    report = redact_value(report)
    path = report_path or default_posture_path(fp_home, profile.profile)
    write_private_file(path, canonical_file_bytes(report), mode=0o644)
    return VerifyResult(report, path, digest_of(report))
