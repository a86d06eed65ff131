"""Turning view rows into envelopes (CONTRACTS.md, "Event envelope") with the deterministic event_id.

The event id is `eb.envelope.event_id_for(output_id, primary key values, world key)`, with the
primary key from the engine catalogue: the same row of the same world always gets the same id, on
every retry, rerun and profile, which is what lets IG turn a resend into a DUPLICATE. The payload is
the row as the view holds it (every column, nulls included), so IG validates what the engine wrote.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fraud_platform.eb.envelope import SCHEMA_VERSION, Envelope, event_id_for
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.sr.messages import WorldKey

__all__ = ["PRODUCER", "EnvelopeBuilder"]

PRODUCER = "wsp"


class EnvelopeBuilder:
    """Builds the envelopes of one output of one verified READY."""

    def __init__(
        self, output_id: str, platform_run_id: str, scenario_run_id: str, world_key: WorldKey
    ) -> None:
        self._output_id = output_id
        self._primary_key = load_catalogue().output(output_id).primary_key
        self._platform_run_id = platform_run_id
        self._scenario_run_id = scenario_run_id
        self._world_key = world_key

    def build(self, batch: pa.RecordBatch) -> list[Envelope]:
        """One envelope per row, in row order."""
        return [self._envelope(row) for row in batch.to_pylist()]

    def _envelope(self, row: dict[str, Any]) -> Envelope:
        ts = row.get("ts_utc")
        return Envelope(
            event_id=event_id_for(self._output_id, [row[key] for key in self._primary_key], self._world_key),
            event_type=self._output_id,
            schema_version=SCHEMA_VERSION,
            ts_utc=ts if isinstance(ts, str) else None,
            platform_run_id=self._platform_run_id,
            scenario_run_id=self._scenario_run_id,
            manifest_fingerprint=self._world_key.manifest_fingerprint,
            parameter_hash=self._world_key.parameter_hash,
            seed=self._world_key.seed,
            scenario_id=self._world_key.scenario_id,
            producer=PRODUCER,
            payload=row,
        )
