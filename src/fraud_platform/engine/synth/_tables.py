"""Arrow tables of the eleven outputs, in catalogue column order, from the numpy world model.

The four world-key columns are appended per part (`with_world_key`). Each table comes with its part boundaries (row offsets): outputs keyed by flow are split on flow
boundaries so that one flow's rows live in one file; the rest are split evenly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fraud_platform.engine.arrow_types import arrow_schema, arrow_type
from fraud_platform.engine.catalogue import EngineCatalogue
from fraud_platform.engine.synth._model import TZIDS, WorldModel

__all__ = ["OutputTable", "build_tables", "with_world_key"]

_EVENT_TYPES = ("AUTH_REQUEST", "AUTH_RESPONSE", "CAPTURE", "CLEARING", "SETTLEMENT", "REFUND")
_CHANNELS = ("card_present", "card_not_present", "mixed")
_CAMPAIGNS = tuple(f"campaign_{k:02d}" for k in range(8))
_FRAUD_TYPES = ("CARD_TESTING", "ACCOUNT_TAKEOVER", "FRIENDLY_FRAUD")
_CASE_TYPES = ("CASE_OPENED", "INVESTIGATION_STARTED", "CHARGEBACK_RAISED", "CASE_CLOSED")

_NULL_EVERY = 11  # one merchant / legitimate flow in 11 has a null where the engine allows one
OutputTable = tuple[pa.Table, list[int]]
_Column = Any  # a numpy array or a pyarrow Array


def _vocab(
    values: tuple[str, ...], index: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """Strings from a small vocabulary by index (null where `mask` is True)."""
    return pa.array(values, type=pa.string()).take(pa.array(index, type=pa.int64(), mask=mask))


def _unlabelled(model: WorldModel) -> npt.NDArray[np.bool_]:
    """Legitimate flows left without a label (the engine's labels are nullable): a fixed share."""
    unlabelled: npt.NDArray[np.bool_] = (model.flow_id % _NULL_EVERY == 0) & ~model.flow_is_fraud
    return unlabelled


def _even_bounds(rows: int, parts: int) -> list[int]:
    count = max(1, min(parts, rows))
    return [int(x) for x in np.linspace(0, rows, count + 1).round().astype(np.int64)]


def _flow_bounds(flows: int, parts: int, offsets: npt.NDArray[np.int64] | None = None) -> list[int]:
    flow_cuts = np.array(_even_bounds(flows, parts), dtype=np.int64)
    return [int(x) for x in (offsets[flow_cuts] if offsets is not None else flow_cuts)]


def with_world_key(
    table: pa.Table, catalogue: EngineCatalogue, output_id: str, pins: Mapping[str, object]
) -> pa.Table:
    """Append the output's world-key columns (constant per world) to a table or a slice of one.

    Done per part, not per output, so that a million-row output never holds four million-row
    constant string columns in memory at once.
    """
    rows = table.num_rows
    for column in catalogue.output_world_key_columns(output_id):
        kind = arrow_type(column.type)
        field = pa.field(column.name, kind, nullable=column.nullable)
        table = table.append_column(field, pa.repeat(pa.scalar(pins[column.name], type=kind), rows))
    return table


class _Builder:
    def __init__(self, model: WorldModel, catalogue: EngineCatalogue) -> None:
        self.m = model
        self.catalogue = catalogue
        self.grid = pa.array(model.grid, type=pa.large_string())

    def ts(self, grid_index: npt.NDArray[np.int64]) -> pa.Array:
        return self.grid.take(pa.array(grid_index, type=pa.int64()))

    def table(self, output_id: str, columns: Mapping[str, _Column]) -> pa.Table:
        """The output's own columns in catalogue order; world-key columns are added per part later."""
        spec = self.catalogue.output(output_id)
        arrays: list[pa.Array] = []
        for column in spec.columns:
            kind = arrow_type(column.type)
            value = columns[column.name]
            array = value if isinstance(value, pa.Array) else pa.array(value, type=kind)
            # cast copies even to the same type (costly for strings): only when the types differ
            arrays.append(array if array.type == kind else array.cast(kind))
        return pa.Table.from_arrays(arrays, schema=arrow_schema(spec.columns))

    def events(self, fraud: bool) -> pa.Table:
        m = self.m
        flow = m.ev_flow
        columns: dict[str, _Column] = {
            "flow_id": m.flow_id[flow],
            "event_seq": m.ev_seq,
            "event_type": _vocab(_EVENT_TYPES, m.ev_seq.astype(np.int64)),
            "ts_utc": self.ts(m.ev_grid),
            "amount": (m.flow_amount_fraud if fraud else m.flow_amount)[flow],
        }
        if fraud:
            columns["fraud_flag"] = m.flow_is_fraud[flow]
            columns["campaign_id"] = _vocab(_CAMPAIGNS, m.flow_campaign[flow], ~m.flow_is_fraud[flow])
        return self.table(
            "s3_event_stream_with_fraud_6B" if fraud else "s2_event_stream_baseline_6B", columns
        )

    def anchors(self, fraud: bool) -> pa.Table:
        m = self.m
        arrival = m.flow_arrival
        columns: dict[str, _Column] = {
            "flow_id": m.flow_id,
            "arrival_seq": m.arr_seq[arrival],
            "merchant_id": m.arr_merchant_id[arrival],
            "party_id": m.ent_party[arrival],
            "account_id": m.ent_account[arrival],
            "instrument_id": m.ent_instrument[arrival],
            "device_id": m.ent_device[arrival],
            "ip_id": m.ent_ip[arrival],
            "ts_utc": self.ts(m.arr_grid[arrival]),
            "amount": m.flow_amount_fraud if fraud else m.flow_amount,
        }
        if fraud:
            columns["fraud_flag"] = m.flow_is_fraud
            columns["campaign_id"] = _vocab(_CAMPAIGNS, m.flow_campaign, ~m.flow_is_fraud)
        return self.table("s3_flow_anchor_with_fraud_6B" if fraud else "s2_flow_anchor_baseline_6B", columns)

    def arrivals(self) -> pa.Table:
        m = self.m
        return self.table(
            "arrival_events_5B",
            {
                "merchant_id": m.arr_merchant_id,
                "arrival_seq": m.arr_seq,
                "ts_utc": self.ts(m.arr_grid),
                "bucket_index": m.arr_bucket,
                "tzid_primary": _vocab(TZIDS, m.arr_tz),
                # large_string directly: pyarrow chunks a numpy str array of >~600k values as string
                "ts_local_primary": pa.array(m.arr_local, type=pa.large_string()),
                "is_virtual": m.arr_virtual,
                # The engine writes channel_group null when a merchant has none: some do here too.
                "channel_group": _vocab(_CHANNELS, m.arr_channel, m.arr_merchant_id % _NULL_EVERY == 0),
            },
        )

    def entities(self) -> pa.Table:
        m = self.m
        return self.table(
            "s1_arrival_entities_6B",
            {
                "merchant_id": m.arr_merchant_id,
                "arrival_seq": m.arr_seq,
                "ts_utc": self.ts(m.arr_grid),
                "party_id": m.ent_party,
                "account_id": m.ent_account,
                "instrument_id": m.ent_instrument,
                "device_id": m.ent_device,
                "ip_id": m.ent_ip,
                "session_id": m.ent_session,
            },
        )

    def sessions(self) -> pa.Table:
        m = self.m
        return self.table(
            "s1_session_index_6B",
            {
                "session_id": m.ses_id,
                "session_start_utc": self.ts(m.ses_start_grid),
                "session_end_utc": self.ts(m.ses_end_grid),
                "arrival_count": m.ses_count,
            },
        )

    def event_labels(self) -> pa.Table:
        m = self.m
        flow = m.ev_flow
        return self.table(
            "s4_event_labels_6B",
            {
                "flow_id": m.flow_id[flow],
                "event_seq": m.ev_seq,
                "is_fraud_truth": m.flow_is_fraud[flow],
                "is_fraud_bank_view": m.flow_bank[flow],
            },
        )

    def flow_truth(self) -> pa.Table:
        m = self.m
        fraud_type = np.where(m.flow_is_fraud, m.flow_campaign % len(_FRAUD_TYPES) + 1, 0)
        return self.table(
            "s4_flow_truth_labels_6B",
            {
                "flow_id": m.flow_id,
                "is_fraud_truth": m.flow_is_fraud,
                "fraud_label": _vocab(("LEGIT", *_FRAUD_TYPES), fraud_type, _unlabelled(m)),
            },
        )

    def bank_view(self) -> pa.Table:
        m = self.m
        bank_type = np.where(m.flow_bank, np.where(m.flow_is_fraud, 1, 2), 0)
        return self.table(
            "s4_flow_bank_view_6B",
            {
                "flow_id": m.flow_id,
                "is_fraud_bank_view": m.flow_bank,
                "bank_label": _vocab(
                    ("NO_CASE", "CONFIRMED_FRAUD", "FALSE_POSITIVE"), bank_type, _unlabelled(m) & ~m.flow_bank
                ),
            },
        )

    def cases(self) -> pa.Table:
        m = self.m
        return self.table(
            "s4_case_timeline_6B",
            {
                "case_id": m.case_id,
                "case_event_seq": m.case_seq,
                "flow_id": m.flow_id[m.case_flow],
                "case_event_type": _vocab(_CASE_TYPES, m.case_type),
                "ts_utc": self.ts(m.case_grid),
            },
        )


def build_tables(
    model: WorldModel, catalogue: EngineCatalogue, parts: int
) -> dict[str, Callable[[], OutputTable]]:
    """Per output id (catalogue order), a function building its table and part boundaries.

    Lazy, so that the caller builds, writes and frees one output at a time.
    """
    b = _Builder(model, catalogue)
    flows = model.flow_id.shape[0]
    offsets = model.flow_event_offsets
    by_flow = _flow_bounds(flows, parts)
    by_event = _flow_bounds(flows, parts, offsets)
    by_arrival = _even_bounds(flows, parts)
    builders: dict[str, Callable[[], OutputTable]] = {
        "s3_event_stream_with_fraud_6B": lambda: (b.events(True), by_event),
        "s2_event_stream_baseline_6B": lambda: (b.events(False), by_event),
        "arrival_events_5B": lambda: (b.arrivals(), by_arrival),
        "s1_arrival_entities_6B": lambda: (b.entities(), by_arrival),
        "s3_flow_anchor_with_fraud_6B": lambda: (b.anchors(True), by_flow),
        "s2_flow_anchor_baseline_6B": lambda: (b.anchors(False), by_flow),
        "s1_session_index_6B": lambda: (b.sessions(), _even_bounds(model.ses_id.shape[0], parts)),
        "s4_event_labels_6B": lambda: (b.event_labels(), by_event),
        "s4_flow_truth_labels_6B": lambda: (b.flow_truth(), by_flow),
        "s4_flow_bank_view_6B": lambda: (b.bank_view(), by_flow),
        "s4_case_timeline_6B": lambda: (b.cases(), _even_bounds(model.case_id.shape[0], parts)),
    }
    return {output_id: builders[output_id] for output_id in catalogue.output_ids}
