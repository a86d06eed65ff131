"""The background consumer and the prefetcher keep order and hand errors back as themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.pipeline import BackgroundConsumer, prefetch


def test_consumer_sees_every_item_in_order() -> None:
    seen: list[int] = []
    worker: BackgroundConsumer[int] = BackgroundConsumer(seen.append, depth=2)
    for item in range(100):
        worker.submit(item)
    worker.close()
    assert seen == list(range(100))


def test_consumer_error_is_raised_to_the_submitter() -> None:
    def _consume(item: int) -> None:
        if item == 3:
            raise FailClosed("STREAM_SORT_KEY_NULL", "null key")

    worker: BackgroundConsumer[int] = BackgroundConsumer(_consume, depth=1)
    with pytest.raises(FailClosed) as raised:
        for item in range(1000):
            worker.submit(item)
        worker.close()
    assert raised.value.code == "STREAM_SORT_KEY_NULL"


def test_prefetch_keeps_order_and_reraises() -> None:
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

    def _failing() -> Iterator[int]:
        yield 1
        raise FailClosed("STREAM_SORT_SOURCE_UNREADABLE", "broken part")

    got: list[int] = []
    with pytest.raises(FailClosed) as raised:
        for item in prefetch(_failing()):
            got.append(item)
    assert got == [1] and raised.value.code == "STREAM_SORT_SOURCE_UNREADABLE"


def test_prefetch_stops_its_worker_when_abandoned() -> None:
    items = prefetch(iter(range(10_000)), depth=2)
    assert next(items) == 0
    items.close()  # the generator's finally drains and joins the worker
