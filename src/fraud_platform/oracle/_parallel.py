"""A bounded thread pool that stops at the first refusal and reports every failure it saw.

The Oracle's work is I/O bound (S3 calls release the GIL, and so does hashlib on large buffers), so
threads sharing one thread-safe client are enough; processes would only duplicate connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from fraud_platform.core.errors import PlatformError

__all__ = ["run_bounded"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def run_bounded(
    items: Sequence[_T],
    work: Callable[[_T], _R],
    *,
    workers: int,
    on_done: Callable[[_T, _R], None] | None = None,
    label: Callable[[_T], str] = str,
) -> list[_R]:
    """Apply `work` to every item on `workers` threads; results in item order.

    On the first exception the items not yet started are cancelled, the running ones finish, and
    the first PlatformError (else the first exception) is raised with `refs["failures"]` listing
    every failed item (`{"item": label(item), "code"}`) when more than one failed. `on_done` runs on the calling
    thread as items complete (progress bars).
    """
    if not items:
        return []
    results: dict[int, _R] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="oracle") as pool:
        futures: dict[Future[_R], int] = {pool.submit(work, item): index for index, item in enumerate(items)}
        pending: set[Future[_R]] = set(futures)
        failed: list[tuple[int, BaseException]] = []
        while pending and not failed:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                index = futures[future]
                error = future.exception()
                if error is not None:
                    failed.append((index, error))
                    continue
                results[index] = future.result()
                if on_done is not None:
                    on_done(items[index], results[index])
        if failed:
            for future in pending:
                future.cancel()
            for future in pending:
                if not future.cancelled() and future.exception() is not None:
                    failed.append((futures[future], future.exception()))  # type: ignore[arg-type]
    if failed:
        _raise_first([label(item) for item in items], failed)
    return [results[index] for index in range(len(items))]


def _raise_first(labels: Sequence[str], failed: Iterable[tuple[int, BaseException]]) -> None:
    ordered = sorted(failed, key=lambda pair: pair[0])
    platform = [pair for pair in ordered if isinstance(pair[1], PlatformError)]
    first = (platform or ordered)[0][1]
    if isinstance(first, PlatformError) and len(ordered) > 1:
        first.refs["failures"] = [
            {"item": labels[i], "code": str(getattr(e, "code", type(e).__name__))} for i, e in ordered
        ]
    raise first
