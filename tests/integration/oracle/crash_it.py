"""A store that dies after N writes: crash points of a commit protocol, against the real SeaweedFS.

The wrapper forwards everything to a real `ObjectStore`; the write numbered `fail_at` (1-based,
counting `put_if_absent` and `put_stream_if_absent`) raises `Crash` instead of reaching the store, as
a process killed just before that request would. Writes are counted under a lock because the sort
uploads parts on a background thread.
"""

from __future__ import annotations

import threading
from typing import Any

from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location


class Crash(Exception):
    """A simulated process death before a write."""


class CrashingStore:
    """Forwards to `inner`; the `fail_at`-th write raises Crash (None: never). Records written keys."""

    def __init__(self, inner: ObjectStore, fail_at: int | None = None) -> None:
        self._inner = inner
        self._fail_at = fail_at
        self._lock = threading.Lock()
        self.role = inner.role
        self.writes: list[str] = []

    def _count(self, location: S3Location) -> None:
        with self._lock:
            if self._fail_at is not None and len(self.writes) + 1 >= self._fail_at:
                raise Crash(f"crash before write {len(self.writes) + 1}: {location.key}")
            self.writes.append(location.key)

    def put_if_absent(self, location: S3Location, data: bytes, **kwargs: Any) -> Any:
        self._count(location)
        return self._inner.put_if_absent(location, data, **kwargs)

    def put_stream_if_absent(self, location: S3Location, *args: Any, **kwargs: Any) -> Any:
        self._count(location)
        return self._inner.put_stream_if_absent(location, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class BarrierStore:
    """Forwards to `inner`, but holds every write of a key ending in `suffix` at `barrier`.

    Two writers that both reach the commit object are released together, so the store's
    `If-None-Match` really decides between them (a race, not one writer after the other).
    """

    def __init__(self, inner: ObjectStore, barrier: threading.Barrier, suffix: str) -> None:
        self._inner = inner
        self._barrier = barrier
        self._suffix = suffix
        self.role = inner.role

    def put_if_absent(self, location: S3Location, data: bytes, **kwargs: Any) -> Any:
        if location.key.endswith(self._suffix):
            self._barrier.wait(timeout=120)
        return self._inner.put_if_absent(location, data, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def run_together(*jobs: Any) -> tuple[list[Any], list[BaseException]]:
    """Run each zero-argument job on its own thread; (results, errors), in completion order."""
    results: list[Any] = []
    errors: list[BaseException] = []

    def _run(job: Any) -> None:
        try:
            results.append(job())
        except BaseException as error:  # noqa: BLE001  (handed back to the test, which asserts on it)
            errors.append(error)

    threads = [threading.Thread(target=_run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors
