"""The preflight checks: each one probes a substrate *by protocol* under one role's own credentials.

Which roles probe what comes from the bootstrap role model (`bootstrap.roles`), the same table the
policies are rendered from, so preflight proves exactly the access the run is going to use:

- `s3_list`: every object grant with LIST, under its role, lists its bucket/prefix (one key is
  enough: reachability, bucket presence and permission). A `fraud-platform/*/…` grant is probed
  at `fraud-platform/{platform_run_id}/…`, the prefix this run will use; other wildcard grants are
  skipped (each is covered by a broader grant of the same role).
- `kafka_topics`: every role with topic grants fetches broker metadata with a short timeout and
  finds the topics it is granted; the operator finds every catalogue topic with its partition count.
- `state_store`: the authority state store opens and answers a ping.
- `pins_resolved` / `config_matches_run`: the profile resolved every pin, to the digest run.json
  recorded.

A check never raises for a substrate problem: a `PlatformError` becomes a failed check carrying the
error's own code (`BUS_UNAVAILABLE`, `OBJECT_BUCKET_MISSING`, `CREDENTIALS_MISSING`…).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from fraud_platform.bootstrap.roles import (
    OBJECT_GRANTS,
    OPERATOR,
    TOPIC_GRANTS,
    BucketKind,
    ObjectAction,
)
from fraud_platform.config import Profile, config_digest, kafka_settings, redacted_view, role_credentials
from fraud_platform.config.pins import pins_in
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.eb.topics import TOPICS
from fraud_platform.operate._reasons import PREFLIGHT_CONFIG_DRIFT
from fraud_platform.operate.manifest import RunManifest
from fraud_platform.substrate import factory
from fraud_platform.substrate._reasons import BUS_TOPIC_MISMATCH, BUS_TOPIC_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.state import ping as ping_state

__all__ = ["KAFKA_METADATA_TIMEOUT_S", "CheckResult", "PlannedCheck", "plan_checks"]

KAFKA_METADATA_TIMEOUT_S = 3.0
"""Short on purpose: a broker that is down must fail preflight in seconds, not minutes."""

_OK = "OK"
_RUN_WILDCARD = "fraud-platform/*/"


@dataclass(frozen=True)
class CheckResult:
    """One line of preflight.json."""

    name: str
    role: str
    target: str
    ok: bool
    code: str
    detail: str
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PlannedCheck:
    """A check to run: its identity and the probe that returns `(code, detail)` or raises."""

    name: str
    role: str
    target: str
    probe: Callable[[], tuple[str, str]]

    def run(self, clock: Clock | None = None) -> CheckResult:
        """Run the probe; a platform error is a failed check with the error's code, never a crash.

        `seconds` is how long the probe took, so a slow substrate shows in preflight.json.
        """
        timer: Clock = clock or SystemClock()
        started = timer.monotonic()
        try:
            code, detail = self.probe()
            ok = code == _OK
        except PlatformError as error:
            ok, code, detail = False, str(error.code), error.detail
        seconds = round(timer.monotonic() - started, 3)
        return CheckResult(self.name, self.role, self.target, ok, code, detail, seconds)


def _bucket_name(profile: Profile, kind: BucketKind) -> str:
    store = profile.object_store
    return store.evidence_bucket if kind is BucketKind.EVIDENCE else store.object_store_bucket


class _RoleStores:
    """One object store per role, opened on first use (so missing credentials fail that role's checks)."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._lock = threading.Lock()
        self._stores: dict[str, ObjectStore] = {}

    def get(self, role: str) -> ObjectStore:
        with self._lock:
            store = self._stores.get(role)
            if store is None:
                store = factory.open_object_store(role_credentials(self._profile, role))
                self._stores[role] = store
            return store


def _list_probe(stores: _RoleStores, role: str, location: S3Location) -> Callable[[], tuple[str, str]]:
    def probe() -> tuple[str, str]:
        store = stores.get(role)
        first = next(iter(store.list(location)), None)
        return _OK, "listed (empty)" if first is None else "listed (objects present)"

    return probe


def _s3_checks(profile: Profile, platform_run_id: str) -> list[PlannedCheck]:
    checks: list[PlannedCheck] = []
    stores = _RoleStores(profile)
    for grant in OBJECT_GRANTS:
        if ObjectAction.LIST not in grant.actions:
            continue
        prefix = grant.prefix
        if prefix.startswith(_RUN_WILDCARD):
            prefix = f"fraud-platform/{platform_run_id}/" + prefix[len(_RUN_WILDCARD) :]
        if "*" in prefix:
            continue
        location = S3Location(_bucket_name(profile, grant.bucket), prefix)
        checks.append(
            PlannedCheck("s3_list", grant.role, location.uri, _list_probe(stores, grant.role, location))
        )
    return checks


def _topics_probe(
    profile: Profile, role: str, expected: dict[str, int | None]
) -> Callable[[], tuple[str, str]]:
    def probe() -> tuple[str, str]:
        admin = factory.open_admin(kafka_settings(profile, role))
        present = admin.list_topics(timeout_s=KAFKA_METADATA_TIMEOUT_S)
        missing = sorted(name for name in expected if name not in present)
        if missing:
            return BUS_TOPIC_MISSING, f"missing topics: {', '.join(missing)}"
        wrong = sorted(
            f"{name} has {present[name]} partitions, catalogue says {partitions}"
            for name, partitions in expected.items()
            if partitions is not None and present[name] != partitions
        )
        if wrong:
            return BUS_TOPIC_MISMATCH, "; ".join(wrong)
        return _OK, f"{len(expected)} topics present"

    return probe


def _kafka_checks(profile: Profile) -> list[PlannedCheck]:
    catalogue: dict[str, int | None] = {spec.name: spec.partitions for spec in TOPICS}
    granted: dict[str, dict[str, int | None]] = {OPERATOR: catalogue}
    for grant in TOPIC_GRANTS:
        if grant.role != OPERATOR:
            granted.setdefault(grant.role, {})[grant.topic] = None
    target = f"kafka://{profile.bus.bootstrap}"
    return [
        PlannedCheck("kafka_topics", role, target, _topics_probe(profile, role, expected))
        for role, expected in granted.items()
    ]


def _state_check(profile: Profile) -> PlannedCheck:
    dsn = profile.state.dsn.get_secret_value()

    def probe() -> tuple[str, str]:
        engine = factory.open_state_engine(dsn)
        try:
            ping_state(engine)
        finally:
            engine.dispose()
        return _OK, "state store answered SELECT 1"

    return PlannedCheck("state_store", OPERATOR, str(redacted_view(profile)["state"]["dsn"]), probe)


def _pins_check(profile: Profile) -> PlannedCheck:
    def probe() -> tuple[str, str]:
        pins = pins_in(raw_profile(profile.profile))
        required = sorted({pin.name for pin in pins if pin.kind == "required"})
        return _OK, f"{len(required)} required pins resolved: {', '.join(required)}"

    return PlannedCheck("pins_resolved", OPERATOR, f"profile:{profile.profile}", probe)


def _drift_check(profile: Profile, manifest: RunManifest) -> PlannedCheck:
    def probe() -> tuple[str, str]:
        now = config_digest(profile)
        if now != manifest.config_digest:
            return (
                str(PREFLIGHT_CONFIG_DRIFT),
                f"profile resolves to {now['hex'][:16]}…, run.json recorded {manifest.config_digest['hex'][:16]}…",
            )
        return _OK, f"config digest {now['hex'][:16]}… matches run.json"

    return PlannedCheck("config_matches_run", OPERATOR, "run.json", probe)


def plan_checks(profile: Profile, manifest: RunManifest) -> list[PlannedCheck]:
    """Every check of a preflight, in report order (pins, config, state, S3 per role, Kafka per role)."""
    return [
        _pins_check(profile),
        _drift_check(profile, manifest),
        _state_check(profile),
        *_s3_checks(profile, manifest.platform_run_id),
        *_kafka_checks(profile),
    ]
