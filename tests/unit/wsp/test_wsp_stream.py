"""Streaming one view: view order, exactly the manifest's parts, digests, caps and checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pyarrow as pa
import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock
from fraud_platform.eb.envelope import event_id_for
from fraud_platform.wsp.envelopes import EnvelopeBuilder
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.pacing import Pacer
from fraud_platform.wsp.state import Checkpoint, WspState
from fraud_platform.wsp.stream import StreamOptions, stream_output


def _expected_ids(kit: Any, rows: range) -> list[str]:
    return [event_id_for(kit.output, [flow, 0], kit.world) for flow in rows]


def _stream(kit: Any, view: Any, state: WspState, client: IgClient, clock: FixedClock, **options: Any) -> Any:
    return stream_output(
        view.store, state, client, kit.verified(view.ref), view.ref, StreamOptions(**options), clock
    )


def test_every_row_once_in_view_order_with_counts_and_checkpoint(
    kit: Any, state: WspState, make_client: Callable[..., IgClient], clock: FixedClock
) -> None:
    view = kit.build_view([10, 0, 15])
    ig = kit.fake_ig()
    progress: list[tuple[str, int, int]] = []
    result = stream_output(
        view.store,
        state,
        make_client(ig),
        kit.verified(view.ref),
        view.ref,
        StreamOptions(batch_size=4),
        clock,
        lambda *args: progress.append(args),
    )
    assert ig.admitted == _expected_ids(kit, range(25))
    assert result.checkpoint == Checkpoint(next_row=25, sent=25, admitted=25)
    assert state.checkpoint(kit.platform_run, kit.scenario_run, kit.output) == result.checkpoint
    assert progress[0] == (kit.output, 0, 25) and progress[-1] == (kit.output, 25, 25)
    # Exactly the manifest's non-empty parts were read, in order; nothing was listed or globbed.
    assert view.store.streamed == [view.part_uris[0], view.part_uris[2]]


def test_cap_then_raised_cap_resumes_where_the_first_stopped(
    kit: Any, state: WspState, make_client: Callable[..., IgClient], clock: FixedClock
) -> None:
    view = kit.build_view([10, 15])
    ig = kit.fake_ig()
    client = make_client(ig)
    first = _stream(kit, view, state, client, clock, max_events_per_output=12, batch_size=5)
    assert first.rows == 12 and first.checkpoint.next_row == 12 and len(ig.admitted) == 12
    view.store.streamed.clear()
    again = _stream(kit, view, state, client, clock, max_events_per_output=12, batch_size=5)
    assert again.sent_now == 0 and view.store.streamed == []  # nothing left: no part even fetched
    second = _stream(kit, view, state, client, clock, max_events_per_output=20, batch_size=5)
    assert second.checkpoint == Checkpoint(next_row=20, sent=20, admitted=20)
    assert ig.admitted == _expected_ids(kit, range(20))
    assert view.store.streamed == [view.part_uris[1]]  # the first part lies wholly before the checkpoint


def test_checkpoint_moves_only_after_ig_acknowledged(
    kit: Any, state: WspState, make_client: Callable[..., IgClient], clock: FixedClock
) -> None:
    view = kit.build_view([20])
    ig = kit.fake_ig(script={3: httpx.Response(500)})
    with pytest.raises(FailClosed) as raised:
        _stream(kit, view, state, make_client(ig), clock, batch_size=6)
    assert raised.value.code == "WSP_IG_SERVER_ERROR"
    # Two batches acknowledged, the third refused: the checkpoint covers exactly the acknowledged rows.
    assert state.checkpoint(kit.platform_run, kit.scenario_run, kit.output) == Checkpoint(12, 12, 12, 0, 0)
    resumed = _stream(kit, view, state, make_client(ig), clock, batch_size=6)
    assert resumed.sent_now == 8 and ig.admitted == _expected_ids(kit, range(20))


def test_a_crash_after_ack_before_checkpoint_resends_one_batch_that_ig_dedupes(
    kit: Any,
    state: WspState,
    make_client: Callable[..., IgClient],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = kit.build_view([12])
    ig = kit.fake_ig()
    original = WspState.save_checkpoint
    calls = {"n": 0}

    def crash_on_second(self: WspState, *args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed between IG's ack and the checkpoint")
        original(self, *args)

    monkeypatch.setattr(WspState, "save_checkpoint", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        _stream(kit, view, state, make_client(ig), clock, batch_size=4)
    monkeypatch.setattr(WspState, "save_checkpoint", original)
    result = _stream(kit, view, state, make_client(ig), clock, batch_size=4)
    assert ig.admitted == _expected_ids(kit, range(12))  # no id admitted twice
    assert result.checkpoint == Checkpoint(next_row=12, sent=12, admitted=8, duplicate=4)


def test_a_damaged_part_fails_before_any_of_its_rows_leave(
    kit: Any, state: WspState, make_client: Callable[..., IgClient], clock: FixedClock
) -> None:
    view = kit.build_view([5, 5])
    data = bytearray(view.store.objects[view.part_uris[1]])
    data[10] ^= 0xFF
    view.store.objects[view.part_uris[1]] = bytes(data)
    ig = kit.fake_ig()
    with pytest.raises(FailClosed) as raised:
        _stream(kit, view, state, make_client(ig), clock, batch_size=100)
    assert raised.value.code == "OBJECT_DIGEST_MISMATCH"
    assert ig.admitted == _expected_ids(kit, range(5))


def test_a_view_manifest_other_than_the_named_one_is_refused(
    kit: Any, state: WspState, make_client: Callable[..., IgClient], clock: FixedClock
) -> None:
    view = kit.build_view([5])
    uri = view.ref.view_manifest_uri
    view.store.objects[uri] = view.store.objects[uri].replace(b'"row_count": 5', b'"row_count": 5 ')
    ig = kit.fake_ig()
    with pytest.raises(FailClosed) as raised:
        _stream(kit, view, state, make_client(ig), clock)
    assert raised.value.code == "WSP_VIEW_MANIFEST_MISMATCH" and ig.calls == 0


def test_pacing_holds_batches_until_their_events_are_due(kit: Any) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    slept: list[float] = []
    pacer = Pacer(10.0, clock, sleep=lambda s: (slept.append(s), clock.advance(s)))
    builder = EnvelopeBuilder(kit.output, kit.platform_run, kit.scenario_run, kit.world)

    def batch(seconds: list[int]) -> Any:
        return builder.build(
            pa.RecordBatch.from_pydict(
                {
                    "flow_id": pa.array(seconds, pa.int64()),
                    "event_seq": pa.array([0] * len(seconds), pa.int64()),
                    "ts_utc": [f"2026-01-01T00:00:{s:02d}.000000Z" for s in seconds],
                }
            )
        )

    pacer.wait_for(batch([0, 10]))  # the last event is 10 s after the first: 1 s at 10x
    pacer.wait_for(batch([20]))
    assert slept == pytest.approx([1.0, 1.0])
    assert Pacer(None, clock).wait_for(batch([50])) == 0.0
