"""Streaming one output of a verified READY to IG, batch by batch, checkpointed after each ack.

Order: rows leave in view order, one batch at a time per output (outputs run in parallel, each in its
own thread); a batch is sent only after the previous one was acknowledged, so per partition key the
bus sees view order. While IG decides a batch, a worker thread reads and prepares the next one (its
envelopes and request body, `core.pipeline.prefetch`): that work is then off the batch's round
trip. The checkpoint moves only after IG answered the batch with one decision per event: a WSP
killed at any point resumes from the last acknowledged row and resends at most one batch, which IG
answers with DUPLICATE decisions (same event ids), never a second copy on a topic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from fraud_platform.core.pipeline import prefetch
from fraud_platform.core.time import Clock
from fraud_platform.eb.envelope import Decision, Envelope
from fraud_platform.substrate.objectstore.port import ObjectStore
from fraud_platform.wsp.envelopes import EnvelopeBuilder
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.locator import ViewRef
from fraud_platform.wsp.pacing import Pacer
from fraud_platform.wsp.state import Checkpoint, WspState
from fraud_platform.wsp.verify import VerifiedReady
from fraud_platform.wsp.views import ViewBatch, iter_view_batches, read_view_manifest

__all__ = ["DEFAULT_BATCH_SIZE", "OutputResult", "ProgressFn", "StreamOptions", "stream_output"]

DEFAULT_BATCH_SIZE = 500

ProgressFn = Callable[[str, int, int], None]
"""Called as `(output_id, rows acknowledged, rows to send)` after every acknowledged batch."""


@dataclass(frozen=True)
class StreamOptions:
    """How to stream: the cap per output (None: every row), batch size and optional event-time pacing."""

    max_events_per_output: int | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    speedup: float | None = None
    scratch: Path | None = None


@dataclass(frozen=True)
class OutputResult:
    """Where one output stands after this call: rows in scope and the checkpoint's cumulative counts."""

    output_id: str
    rows: int
    checkpoint: Checkpoint
    sent_now: int

    def to_json(self) -> dict[str, int]:
        return {"rows": self.rows, "next_row": self.checkpoint.next_row, **self.checkpoint.counts()}


def stream_output(
    store: ObjectStore,
    state: WspState,
    client: IgClient,
    ready: VerifiedReady,
    ref: ViewRef,
    options: StreamOptions,
    clock: Clock,
    progress: ProgressFn | None = None,
) -> OutputResult:
    """Send rows `[checkpoint, cap)` of one view to IG; returns the output's result once all are acked."""
    manifest = read_view_manifest(store, ref)
    cap = options.max_events_per_output
    stop = manifest.row_count if cap is None else min(cap, manifest.row_count)
    ids = (ready.platform_run_id, ready.scenario_run_id, ref.output_id)
    checkpoint = state.checkpoint(*ids)
    start = checkpoint.next_row
    builder = EnvelopeBuilder(ref.output_id, ready.platform_run_id, ready.scenario_run_id, ready.world_key)
    pacer = Pacer(options.speedup, clock)
    if progress is not None:
        progress(ref.output_id, min(start, stop), stop)
    batches = iter_view_batches(
        store,
        ref,
        manifest,
        start_row=start,
        stop_row=stop,
        batch_rows=options.batch_size,
        scratch=options.scratch,
    )
    prepared = prefetch(_prepare(batches, builder, client), depth=2, name=f"fp-wsp-{ref.output_id}")
    with closing(batches), closing(prepared):
        for events, body in prepared:
            pacer.wait_for(events)
            answer = client.send(events, body)
            decided = [decision.decision for decision in answer.decisions]
            moved = checkpoint.advanced(
                len(events),
                admitted=decided.count(Decision.ADMIT),
                duplicate=decided.count(Decision.DUPLICATE),
                quarantined=decided.count(Decision.QUARANTINE),
            )
            state.save_checkpoint(*ids, checkpoint, moved)
            checkpoint = moved
            if progress is not None:
                progress(ref.output_id, checkpoint.next_row, stop)
    return OutputResult(ref.output_id, stop, checkpoint, max(0, checkpoint.next_row - start))


def _prepare(
    batches: Iterator[ViewBatch], builder: EnvelopeBuilder, client: IgClient
) -> Iterator[tuple[list[Envelope], bytes]]:
    """Each view batch as its envelopes and the request body that carries them."""
    for view_batch in batches:
        events = builder.build(view_batch.batch)
        yield events, client.encode(events)
