"""What WSP does with one control record: skip it, reject it, recognise it, or stream it.

Outcomes (only these are terminal, and only a terminal outcome lets the caller commit the offset):
- SKIPPED_OUT_OF_SCOPE: the record is keyed to another platform run; a governance fact says so.
- REJECTED: the record is not a READY of the contract, or fails verification (facts view, policy,
  bundle hash, Oracle check, locators); recorded in the consumed set, with a fact.
- STREAMED: every output READY names was streamed through IG to its cap; recorded, with a fact.
A record whose bytes were already brought to an outcome (a replay after a crash before the commit,
or a re-emit of the identical READY) is recognised from the consumed set and not handled again; a
record that verifies but whose message_id is already STREAMED is not streamed again either. A
record that fails verification is REJECTED even when it reuses a STREAMED message_id (a forgery
never rewrites the set: the first terminal outcome wins, except that a genuine READY replaces a
REJECTED forgery of its id).
Anything else (a transient substrate error, IG unavailable past its retry budget, IG refusing a
batch) propagates: nothing is recorded, the offset stays uncommitted, and a restart resumes the
stream from its checkpoints.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.config.rehearsal import run_flags
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.obs.facts import run_pins
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.substrate.objectstore.port import ObjectStore
from fraud_platform.wsp.facts import WSP_READY_REJECTED, WSP_READY_SKIPPED, WSP_READY_STREAMED
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.ready import ControlRecord, claims_of, parse_control_record
from fraud_platform.wsp.state import ConsumedEntry, Outcome, WspState
from fraud_platform.wsp.stream import OutputResult, ProgressFn, StreamOptions, stream_output
from fraud_platform.wsp.verify import VerifiedReady, verify_ready

__all__ = ["Handled", "RecordHandler"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ACTOR = "wsp"


@dataclass(frozen=True)
class Handled:
    """The terminal outcome of one control record."""

    outcome: Outcome
    code: str
    message_id: str
    platform_run_id: str
    scenario_run_id: str | None
    replayed: bool = False
    detail: str = ""
    outputs: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def in_scope(self) -> bool:
        return self.outcome is not Outcome.SKIPPED_OUT_OF_SCOPE

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome),
            "code": self.code,
            "message_id": self.message_id,
            "platform_run_id": self.platform_run_id,
            "scenario_run_id": self.scenario_run_id,
            "replayed": self.replayed,
            "detail": self.detail,
            "outputs": self.outputs,
        }


class RecordHandler:
    """Handles the control records of one served platform run (thread-compatible, one record at a time)."""

    def __init__(
        self,
        profile: Profile,
        store: ObjectStore,
        state: WspState,
        client: IgClient,
        emitter: FactEmitter,
        clock: Clock,
        platform_run_id: str,
    ) -> None:
        self._profile = profile
        self._store = store
        self._state = state
        self._client = client
        self._emitter = emitter
        self._clock = clock
        self._served = platform_run_id

    def handle(
        self, message: BusMessage, options: StreamOptions, progress: ProgressFn | None = None
    ) -> Handled:
        """Bring one record to a terminal outcome (see the module docstring), or raise."""
        record = claims_of(message)
        if record.claimed_platform_run_id != self._served:
            return self._skip(record.claimed_message_id, record.claimed_platform_run_id)
        message_id = (
            record.claimed_message_id if _HEX64.match(record.claimed_message_id) else record.value_sha256
        )
        known = self._state.consumed(message_id)
        if known is not None and known.value_sha256 == record.value_sha256:
            return self._replayed(known, record)
        try:
            control = parse_control_record(record)
            ready = verify_ready(self._store, self._profile, control)
        except FailClosed as error:
            return self._reject(message_id, record.value_sha256, message, error)
        if known is not None and known.outcome is Outcome.STREAMED:
            return self._replayed(known, record)
        outputs = self._stream(ready, options, progress)
        entry = ConsumedEntry(
            message_id,
            ready.platform_run_id,
            ready.scenario_run_id,
            Outcome.STREAMED,
            None,
            record.value_sha256,
        )
        counts = {output_id: result.to_json() for output_id, result in outputs.items()}
        # The fact first, then the consumed set: a crash in between replays the record, which re-streams
        # nothing (checkpoints are at the end) and re-emits the identical fact (idempotent).
        self._fact(WSP_READY_STREAMED, ready.scenario_run_id, {"message_id": message_id, "outputs": counts})
        self._state.record_consumed(entry)
        return Handled(
            Outcome.STREAMED, "OK", message_id, self._served, ready.scenario_run_id, outputs=counts
        )

    def _stream(
        self, ready: VerifiedReady, options: StreamOptions, progress: ProgressFn | None
    ) -> dict[str, OutputResult]:
        def one(index: int) -> OutputResult:
            return stream_output(
                self._store,
                self._state,
                self._client,
                ready,
                ready.views[index],
                options,
                self._clock,
                progress,
            )

        with ThreadPoolExecutor(max_workers=max(1, len(ready.views)), thread_name_prefix="wsp-out") as pool:
            results = list(pool.map(one, range(len(ready.views))))
        return {result.output_id: result for result in results}

    def _skip(self, message_id: str, other_run: str) -> Handled:
        self._fact(WSP_READY_SKIPPED, None, {"message_id": message_id, "ready_platform_run_id": other_run})
        return Handled(Outcome.SKIPPED_OUT_OF_SCOPE, "SKIPPED_OUT_OF_SCOPE", message_id, other_run, None)

    def _replayed(self, known: ConsumedEntry, record: ControlRecord) -> Handled:
        """A record already brought to its outcome: report it again, with the checkpoints' counts."""
        outputs: dict[str, dict[str, int]] = {}
        if known.outcome is Outcome.STREAMED:
            try:
                names = parse_control_record(record).payload.intended_outputs
            except FailClosed:
                names = []
            for output_id in sorted(names):
                point = self._state.checkpoint(known.platform_run_id, known.scenario_run_id, output_id)
                outputs[output_id] = {"next_row": point.next_row, **point.counts()}
        return Handled(
            known.outcome,
            known.reason_code or "OK",
            known.message_id,
            known.platform_run_id,
            known.scenario_run_id or None,
            replayed=True,
            outputs=outputs,
        )

    def _reject(self, message_id: str, value_sha256: str, message: BusMessage, error: FailClosed) -> Handled:
        scenario_run_id = _scenario_of(message)
        entry = ConsumedEntry(
            message_id, self._served, scenario_run_id or "", Outcome.REJECTED, str(error.code), value_sha256
        )
        details = {"message_id": message_id, "reason_code": str(error.code), "detail": error.detail}
        self._fact(WSP_READY_REJECTED, scenario_run_id, details)
        # First outcome wins: a forged copy of a STREAMED message stays STREAMED in the set, but it is
        # still refused here and reported as a fact.
        self._state.record_consumed(entry, error.detail)
        return Handled(
            Outcome.REJECTED, str(error.code), message_id, self._served, scenario_run_id, detail=error.detail
        )

    def _fact(self, family: str, scenario_run_id: str | None, details: dict[str, Any]) -> None:
        flags = run_flags(self._profile)
        extra = {"scenario_run_id": scenario_run_id} if scenario_run_id else {}
        pins = run_pins(self._served, str(flags["profile"]), bool(flags["rehearsal"]), **extra)
        self._emitter.emit_fact(family, pins, {**extra, **details}, _ACTOR)


def _scenario_of(message: BusMessage) -> str | None:
    """The scenario_run_id a rejected record claims, when it claims a well-formed one (for the fact's pins)."""
    found = re.search(rb'"scenario_run_id":"([0-9a-f]{32})"', message.value)
    return found.group(1).decode("ascii") if found else None
