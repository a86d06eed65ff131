"""A driver's hold on a run: the fence every ledger write passes, and a heartbeat for slow steps.

The lease TTL is short (DEFAULT_LEASE_S) so a crashed driver blocks its run only briefly; a live
driver keeps it by renewing: synchronously before each ledger write (the fence), and from a
heartbeat thread while the Oracle consumer check runs (it may outlast one TTL on a large pack). A
failed heartbeat renewal is remembered and re-raised by the next fence, so a driver that lost its
lease mid-check stops before its first write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fraud_platform.core.errors import PlatformError
from fraud_platform.core.time import Clock
from fraud_platform.sr.authority import AuthorityStore, Lease

__all__ = ["LeaseKeeper"]


class LeaseKeeper:
    """Renews one lease: `fence()` before each write, `heartbeat()` around a slow step."""

    def __init__(self, authority: AuthorityStore, lease: Lease, clock: Clock, ttl_s: float) -> None:
        self.authority = authority
        self.lease = lease
        self.clock = clock
        self.ttl_s = ttl_s
        self._lost: PlatformError | None = None
        self._lock = threading.Lock()

    def fence(self) -> None:
        """Renew the lease or raise SR_LEASE_LOST (also when a heartbeat already found it lost)."""
        with self._lock:
            if self._lost is not None:
                raise self._lost
            try:
                self.authority.renew_lease(self.lease, self.clock.now(), self.ttl_s)
            except PlatformError as error:
                self._lost = error
                raise

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Renew every third of the TTL while the block runs; a lost lease surfaces at the next fence."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.ttl_s / 3):
                try:
                    self.fence()
                except PlatformError:
                    return

        thread = threading.Thread(target=beat, name=f"sr-lease-{self.lease.scenario_run_id[:8]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def release(self) -> None:
        self.authority.release_lease(self.lease)
