"""Two small concurrency helpers that let a producer's and a consumer's work overlap on two cores.

Why: the stream-view sort pulls its Arrow stream on a single thread while pyarrow decodes on its
own, so while the source is being read one core is mostly idle; WSP waits for IG's answer to a batch
before it sends the next. Hashing each batch on a background thread (`BackgroundConsumer`), reading
the next part of a view while the current one is hashed, and preparing WSP's next batch while IG
decides the current one (`prefetch`) fill those gaps. Both hand work over through bounded queues, so
memory stays bounded, and both re-raise a worker's exception in the caller as itself.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable
from typing import Generic, TypeVar

__all__ = ["BackgroundConsumer", "prefetch"]

_T = TypeVar("_T")
_DONE = object()


class BackgroundConsumer(Generic[_T]):
    """Runs `consume(item)` for each submitted item on one worker thread, in submission order."""

    def __init__(self, consume: Callable[[_T], None], *, depth: int = 4, name: str = "fp-consumer") -> None:
        self._consume = consume
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is not None:
                continue  # drain without working once failed, so submitters never block forever
            try:
                self._consume(item)  # type: ignore[arg-type]
            except BaseException as error:  # noqa: BLE001  (handed to the caller, re-raised there as itself)
                self._error = error

    def submit(self, item: _T) -> None:
        """Queue an item (blocks while the queue is full); raises the worker's error if it failed."""
        self._raise_if_failed()
        self._queue.put(item)

    def close(self) -> None:
        """Wait until every submitted item was consumed; raises the worker's error if it failed."""
        self._queue.put(_DONE)
        self._thread.join()
        self._raise_if_failed()

    def abandon(self) -> None:
        """Stop the worker after the queued items without raising (the caller is already failing)."""
        self._error = self._error or _Abandoned()
        self._queue.put(_DONE)
        self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None and not isinstance(self._error, _Abandoned):
            raise self._error


class _Abandoned(Exception):
    """Marks a consumer whose caller gave up; never raised to anyone."""


def prefetch(items: Iterable[_T], *, depth: int = 2, name: str = "fp-prefetch") -> Generator[_T, None, None]:
    """Iterate `items` on a worker thread, `depth` items ahead of the caller.

    Close the returned generator (`contextlib.closing`) when stopping early: that stops the worker
    and waits for it, so `items` is no longer being advanced when the caller closes it.
    """
    buffer: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def _produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put((True, item))
        except BaseException as error:  # noqa: BLE001  (handed to the caller, re-raised there as itself)
            buffer.put((False, error))
            return
        buffer.put((False, _DONE))

    worker = threading.Thread(target=_produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            ok, value = buffer.get()
            if ok:
                yield value  # type: ignore[misc]
                continue
            if value is _DONE:
                return
            raise value  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
