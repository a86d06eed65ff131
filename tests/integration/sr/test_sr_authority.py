"""SR's authority store on SQLite (always) and PostgreSQL (FP_TEST_POSTGRES_DSN): registry and leases."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.sr._reasons import SR_LEASE_LOST
from fraud_platform.sr.authority import AuthorityStore, RegistryEntry
from fraud_platform.sr.identity import scenario_run_id
from fraud_platform.substrate.factory import open_state_engine

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def authority(backend_dsn: str) -> Iterator[AuthorityStore]:
    engine = open_state_engine(backend_dsn)
    yield AuthorityStore(engine)
    engine.dispose()


def _entry(
    key: str, platform_run_id: str = "platform_20260101T000000Z", intent: str = "a" * 64
) -> RegistryEntry:
    return RegistryEntry(
        scenario_run_id=scenario_run_id(key),
        run_equivalence_key=key,
        platform_run_id=platform_run_id,
        intent_fingerprint=intent,
        request={"outputs": ["arrival_events_5B"]},
        accepted_at_utc="2026-01-01T00:00:00.000000Z",
    )


def _race(count: int, call: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_register_once_then_the_same_request_is_the_same_run(authority: AuthorityStore) -> None:
    key = f"key-{uuid.uuid4().hex}"
    first = authority.register(_entry(key))
    again = authority.register(_entry(key))
    assert first.created and not again.created
    assert again.entry == first.entry
    found = authority.lookup(scenario_run_id(key))
    assert found is not None and found.request == {"outputs": ["arrival_events_5B"]}


def test_same_key_other_intent_collides_and_other_platform_run_is_refused(authority: AuthorityStore) -> None:
    key = f"key-{uuid.uuid4().hex}"
    authority.register(_entry(key))
    with pytest.raises(FailClosed) as collision:
        authority.register(_entry(key, intent="b" * 64))
    assert collision.value.code == "EQUIV_KEY_COLLISION"
    with pytest.raises(FailClosed) as other_run:
        authority.register(_entry(key, platform_run_id="platform_20260101T000001Z"))
    assert other_run.value.code == "PLATFORM_RUN_MISMATCH"


def test_concurrent_registrations_create_exactly_one_row(authority: AuthorityStore) -> None:
    key = f"key-{uuid.uuid4().hex}"
    outcomes = _race(8, lambda _i: authority.register(_entry(key)))
    assert sum(outcome.created for outcome in outcomes) == 1
    assert all(outcome.entry == outcomes[0].entry for outcome in outcomes)


def test_unknown_run_lookup_is_none(authority: AuthorityStore) -> None:
    assert authority.lookup(uuid.uuid4().hex) is None


def test_lease_is_exclusive_until_released_or_expired(authority: AuthorityStore) -> None:
    run = uuid.uuid4().hex
    alice = authority.acquire_lease(run, "alice", T0, 30)
    assert alice is not None and alice.epoch == 1
    authority.renew_lease(alice, T0 + timedelta(seconds=1), 30)  # extended to T0+31
    assert authority.acquire_lease(run, "bob", T0 + timedelta(seconds=20), 30) is None
    assert authority.lease_holder(run, T0 + timedelta(seconds=20)) == "alice"
    bob = authority.acquire_lease(run, "bob", T0 + timedelta(seconds=32), 30)  # alice's lease expired
    assert bob is not None and bob.epoch == 2  # a takeover bumps the fencing epoch
    with pytest.raises(TransientError) as lost:
        authority.renew_lease(alice, T0 + timedelta(seconds=33), 30)  # alice is fenced off
    assert lost.value.code == SR_LEASE_LOST
    assert not authority.release_lease(alice)  # alice lost it; her release changes nothing
    assert authority.lease_holder(run, T0 + timedelta(seconds=33)) == "bob"
    assert authority.release_lease(bob)
    assert authority.lease_holder(run, T0 + timedelta(seconds=33)) is None
    assert authority.acquire_lease(run, "carol", T0 + timedelta(seconds=34), 30) is not None


def test_a_lapsed_lease_cannot_be_renewed_even_if_nobody_took_it(authority: AuthorityStore) -> None:
    lease = authority.acquire_lease(uuid.uuid4().hex, "paused", T0, 10)
    assert lease is not None
    with pytest.raises(TransientError) as lost:
        authority.renew_lease(lease, T0 + timedelta(seconds=11), 10)
    assert lost.value.code == SR_LEASE_LOST


def test_racing_acquirers_of_a_free_or_expired_lease_get_exactly_one_winner(
    authority: AuthorityStore,
) -> None:
    fresh = uuid.uuid4().hex
    wins = _race(6, lambda i: authority.acquire_lease(fresh, f"holder-{i}", T0, 30) is not None)
    assert sum(wins) == 1
    takeover = _race(
        6, lambda i: authority.acquire_lease(fresh, f"late-{i}", T0 + timedelta(seconds=60), 30) is not None
    )
    assert sum(takeover) == 1
