"""SR's authority store: the equivalence registry and run leases (SQLite or PostgreSQL).

Both rest on single-statement primitives of the substrate state port, so their atomicity comes from
the database, never from a read-then-write:

- **Registry**: `insert_if_absent` of `(scenario_run_id, key, platform_run_id, intent)`. Exactly one
  concurrent submitter inserts; every other one reads the row back and compares. Same platform run
  and intent → the same run; another platform run → PLATFORM_RUN_MISMATCH; another intent →
  EQUIV_KEY_COLLISION.
- **Lease**: a row per run naming its holder, a fencing epoch and an expiry. Acquire = insert, or
  compare-and-swap of the exact row read (free or expired) to ours with `epoch + 1`; two racers cannot
  both win the same swap. The TTL is short: the driver renews (`fence`) before every ledger write and
  during the slow evidence check; a renewal is a compare-and-swap on `(holder, epoch)` that only
  succeeds while the lease is still unexpired, so a driver that paused past its expiry, or whose lease
  was taken over, gets SR_LEASE_LOST and writes nothing more. Release = compare-and-swap of our own
  `(holder, epoch)` row to free. A crashed holder's lease expires within one TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fraud_platform.core.canonical import canonical_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.sr._reasons import (
    EQUIV_KEY_COLLISION,
    PLATFORM_RUN_MISMATCH,
    SR_LEASE_LOST,
    SR_LEDGER_INVALID,
)
from fraud_platform.sr.identity import validate_scenario_run_id
from fraud_platform.substrate.state import (
    SR_EQUIVALENCE,
    SR_LEASES,
    compare_and_swap,
    ensure_sr_tables,
    insert_if_absent,
    select_one,
)

if TYPE_CHECKING:  # the engine is handed in by the substrate factory; SR never opens one itself
    from fraud_platform.substrate.state import StateEngine

__all__ = ["AuthorityStore", "Lease", "Registration", "RegistryEntry"]

_US = 1_000_000


def _epoch_us(moment: datetime) -> int:
    return int(moment.timestamp() * _US)


@dataclass(frozen=True)
class RegistryEntry:
    """A registered scenario run: what named it, which platform run owns it, what it asked for."""

    scenario_run_id: str
    run_equivalence_key: str
    platform_run_id: str
    intent_fingerprint: str
    request: dict[str, Any]
    accepted_at_utc: str


@dataclass(frozen=True)
class Registration:
    """The outcome of registering a request: the entry, and whether this call created it."""

    entry: RegistryEntry
    created: bool


@dataclass(frozen=True)
class Lease:
    """A granted lease: who holds it and the fencing epoch every write of that holder is checked by."""

    scenario_run_id: str
    holder: str
    epoch: int


class AuthorityStore:
    """Registry and leases over one state engine (thread-safe: every call is its own transaction)."""

    def __init__(self, engine: StateEngine) -> None:
        self._engine = engine
        ensure_sr_tables(engine)

    # Equivalence registry -------------------------------------------------------------------------

    def register(self, entry: RegistryEntry) -> Registration:
        """Insert-if-absent the entry; a concurrent or earlier registration is compared, never replaced.

        Raises:
            FailClosed(PLATFORM_RUN_MISMATCH): the key already names a run of another platform run.
            FailClosed(EQUIV_KEY_COLLISION): the key was used with another intent.
        """
        row = {
            "scenario_run_id": entry.scenario_run_id,
            "run_equivalence_key": entry.run_equivalence_key,
            "platform_run_id": entry.platform_run_id,
            "intent_fingerprint": entry.intent_fingerprint,
            "request_json": canonical_bytes(entry.request).decode("ascii"),
            "accepted_at_utc": entry.accepted_at_utc,
        }
        if insert_if_absent(self._engine, SR_EQUIVALENCE, row):
            return Registration(entry, created=True)
        existing = self.lookup(entry.scenario_run_id)
        if existing is None:
            raise FailClosed(SR_LEDGER_INVALID, "a registry row vanished between insert and read")
        if existing.run_equivalence_key != entry.run_equivalence_key:
            raise FailClosed(
                EQUIV_KEY_COLLISION,
                "two equivalence keys map to one scenario_run_id",
                {"scenario_run_id": entry.scenario_run_id},
            )
        if existing.platform_run_id != entry.platform_run_id:
            raise FailClosed(
                PLATFORM_RUN_MISMATCH,
                f"scenario run {entry.scenario_run_id} belongs to {existing.platform_run_id}, "
                f"not {entry.platform_run_id}",
                {"scenario_run_id": entry.scenario_run_id, "owner": existing.platform_run_id},
            )
        if existing.intent_fingerprint != entry.intent_fingerprint:
            raise FailClosed(
                EQUIV_KEY_COLLISION,
                f"key already used for scenario run {entry.scenario_run_id} with another intent",
                {
                    "scenario_run_id": entry.scenario_run_id,
                    "registered_intent": existing.intent_fingerprint,
                    "requested_intent": entry.intent_fingerprint,
                },
            )
        return Registration(existing, created=False)

    def lookup(self, scenario_run_id: str) -> RegistryEntry | None:
        """The registered run, or None when this store never accepted it."""
        validate_scenario_run_id(scenario_run_id)
        row = select_one(self._engine, SR_EQUIVALENCE, {"scenario_run_id": scenario_run_id})
        if row is None:
            return None
        return RegistryEntry(
            scenario_run_id=str(row["scenario_run_id"]),
            run_equivalence_key=str(row["run_equivalence_key"]),
            platform_run_id=str(row["platform_run_id"]),
            intent_fingerprint=str(row["intent_fingerprint"]),
            request=parse_json_bytes(str(row["request_json"]).encode("ascii")),
            accepted_at_utc=str(row["accepted_at_utc"]),
        )

    # Leases ---------------------------------------------------------------------------------------

    def acquire_lease(self, scenario_run_id: str, holder: str, now: datetime, ttl_s: float) -> Lease | None:
        """Take the run's lease for `ttl_s` if it is free or expired; the grant, or None when held.

        Every acquisition bumps the fencing epoch, so whoever held the lease before is fenced off.
        """
        now_us = _epoch_us(now)
        expires = now_us + int(ttl_s * _US)
        row = {"scenario_run_id": scenario_run_id, "holder": holder, "epoch": 1, "expires_at_us": expires}
        if insert_if_absent(self._engine, SR_LEASES, row):
            return Lease(scenario_run_id, holder, 1)
        current = select_one(self._engine, SR_LEASES, {"scenario_run_id": scenario_run_id})
        if current is None:
            return None
        if current["holder"] is not None and int(current["expires_at_us"]) > now_us:
            return None
        epoch = int(current["epoch"]) + 1
        taken = compare_and_swap(
            self._engine,
            SR_LEASES,
            key={"scenario_run_id": scenario_run_id},
            expected={
                "holder": current["holder"],
                "epoch": current["epoch"],
                "expires_at_us": current["expires_at_us"],
            },
            values={"holder": holder, "epoch": epoch, "expires_at_us": expires},
        )
        return Lease(scenario_run_id, holder, epoch) if taken else None

    def renew_lease(self, lease: Lease, now: datetime, ttl_s: float) -> None:
        """Extend our lease to `now + ttl_s`: the fence every ledger write of the holder passes first.

        One statement: `UPDATE … WHERE holder = ours AND epoch = ours AND expires_at_us > now`. It
        fails when the lease lapsed (even if nobody took it: a paused driver must re-acquire, and
        re-read what happened meanwhile) or another driver holds a newer epoch.

        Raises:
            TransientError(SR_LEASE_LOST): the lease is no longer ours; the caller stops writing.
        """
        now_us = _epoch_us(now)
        current = select_one(self._engine, SR_LEASES, {"scenario_run_id": lease.scenario_run_id})
        alive = (
            current is not None
            and current["holder"] == lease.holder
            and int(current["epoch"]) == lease.epoch
            and int(current["expires_at_us"]) > now_us
        )
        if alive and current is not None:
            alive = compare_and_swap(
                self._engine,
                SR_LEASES,
                key={"scenario_run_id": lease.scenario_run_id},
                expected={
                    "holder": lease.holder,
                    "epoch": lease.epoch,
                    "expires_at_us": current["expires_at_us"],
                },
                values={"expires_at_us": now_us + int(ttl_s * _US)},
            )
        if not alive:
            raise TransientError(
                SR_LEASE_LOST,
                f"the lease on run {lease.scenario_run_id} (epoch {lease.epoch}) expired or was taken over",
                {"scenario_run_id": lease.scenario_run_id, "epoch": lease.epoch},
            )

    def release_lease(self, lease: Lease) -> bool:
        """Free the lease if we still hold it; False when it had expired and been taken over."""
        return compare_and_swap(
            self._engine,
            SR_LEASES,
            key={"scenario_run_id": lease.scenario_run_id},
            expected={"holder": lease.holder, "epoch": lease.epoch},
            values={"holder": None, "expires_at_us": 0},
        )

    def lease_holder(self, scenario_run_id: str, now: datetime) -> str | None:
        """Who holds an unexpired lease on the run now (None: free)."""
        current = select_one(self._engine, SR_LEASES, {"scenario_run_id": scenario_run_id})
        if current is None or current["holder"] is None or int(current["expires_at_us"]) <= _epoch_us(now):
            return None
        return str(current["holder"])
