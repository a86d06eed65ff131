"""The synthetic world as numpy arrays: arrivals, entities, sessions, flows, events, labels and cases.

One arrival anchors one flow; a flow has 1..6 events. Every timestamp is a point of a coarse time grid
spread over the requested days, so many rows share a `ts_utc` (within a file and across files): the
stream-view sort must rely on its tie-breakers, never on luck. Everything is vectorised; no per-row
Python loop, so a million events take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fraud_platform.engine.synth._rng import Streams

__all__ = ["START_UTC", "WorldModel", "build_model"]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
S = npt.NDArray[np.str_]

START_UTC = "2026-01-05T00:00:00"
_US_PER_DAY = 86_400_000_000
_GRID_SLACK = 64  # grid points after the last anchor, for later events and case steps
_BUCKET_US = 15 * 60 * 1_000_000
_SESSION_US = 6 * 3600 * 1_000_000
_FRAUD_RATE = 0.03
_DETECTION_RATE = 0.7
_FALSE_POSITIVE_RATE = 0.004
# Zones without daylight saving, so a fixed offset gives the true local time all year.
TZIDS = ("UTC", "Africa/Lagos", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "America/Bogota")
_TZ_OFFSET_MIN = np.array([0, 60, 330, 480, 540, -300], dtype=np.int64)


@dataclass(frozen=True)
class WorldModel:
    """Column arrays of every output (index arrays point into the grid and label vocabularies)."""

    grid: S  # ts_utc strings of the time grid
    # arrivals and entities, in output row order (merchant_id, arrival_seq)
    arr_merchant_id: I64
    arr_seq: I64
    arr_grid: I64
    arr_bucket: I64
    arr_tz: I64
    arr_local: S
    arr_virtual: B
    arr_channel: I64
    ent_party: I64
    ent_account: I64
    ent_instrument: I64
    ent_device: I64
    ent_ip: I64
    ent_session: I64
    # sessions, in session_id order
    ses_id: I64
    ses_start_grid: I64
    ses_end_grid: I64
    ses_count: I64
    # flows, in flow_id order (flow i is anchored on arrival flow_arrival[i] of the arrival arrays)
    flow_id: I64
    flow_arrival: I64
    flow_amount: F64
    flow_amount_fraud: F64
    flow_is_fraud: B
    flow_campaign: I64
    flow_bank: B
    flow_event_offsets: I64  # first event row of each flow, plus the total at the end
    # events, in (flow_id, event_seq) order
    ev_flow: I64  # index into flow arrays
    ev_seq: I32
    ev_grid: I64
    # cases, in (case_id, case_event_seq) order
    case_id: I64
    case_seq: I32
    case_flow: I64  # index into flow arrays
    case_type: I64
    case_grid: I64


def _group_rank(keys: I64) -> I64:
    """0-based rank of each element within its run of equal (already sorted) keys."""
    n = keys.shape[0]
    starts = np.ones(n, dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n, dtype=np.int64), 0))
    return np.arange(n, dtype=np.int64) - first


def _format_local(grid_us: I64, offsets_min: I64) -> S:
    local = (grid_us + offsets_min * 60_000_000).astype("datetime64[us]")
    return np.datetime_as_string(local, unit="us")


def build_model(streams: Streams, flows: int, days: int) -> WorldModel:
    """Draw the whole world for `flows` flows spread over `days` days."""
    n = flows
    start_us = np.datetime64(START_UTC, "us").astype(np.int64)
    anchors = max(8, n // 6)  # ~6 arrivals per grid point: deliberate ts_utc ties
    step = (days * _US_PER_DAY) // (anchors + _GRID_SLACK)
    grid_us = start_us + np.arange(anchors + _GRID_SLACK, dtype=np.int64) * step
    grid = np.char.add(np.datetime_as_string(grid_us.astype("datetime64[us]"), unit="us"), "Z")

    # Arrivals: merchant, time, per-merchant sequence in time order.
    merchants = max(4, n // 40)
    merchant_idx = streams.integers("arrival.merchant", n, merchants)
    a_grid = streams.integers("arrival.grid", n, anchors)
    order = np.lexsort((np.arange(n), a_grid, merchant_idx))
    arr_merchant = merchant_idx[order]
    arr_grid = a_grid[order]
    arr_seq = _group_rank(arr_merchant) + 1
    merchant_tz = streams.integers("merchant.tz", merchants, len(TZIDS))
    merchant_virtual = streams.uniform("merchant.virtual", merchants) < 0.1
    merchant_channel = np.where(
        merchant_virtual, 1, np.where(streams.uniform("merchant.channel", merchants) < 0.6, 0, 2)
    )
    arr_tz = merchant_tz[arr_merchant]
    arr_local = _format_local(grid_us[arr_grid], _TZ_OFFSET_MIN[arr_tz])
    arr_bucket = (grid_us[arr_grid] - start_us) // _BUCKET_US

    # Entities: party-centred ids; a session is a party's activity within a 6-hour window.
    parties = max(2, n // 4)
    party_idx = streams.integers("entity.party", n, parties)
    ent_party = party_idx + 1
    ent_account = ent_party * 10 + streams.integers("entity.account", n, 2)
    ent_instrument = ent_account * 10 + streams.integers("entity.instrument", n, 3)
    ent_device = streams.integers("entity.device", n, max(2, n // 5)) + 1
    ent_ip = streams.integers("entity.ip", n, max(2, n // 3)) + 1
    window = (grid_us[arr_grid] - start_us) // _SESSION_US
    session_key = party_idx * (days * 4 + 1) + window
    unique_keys, ent_session_idx = np.unique(session_key, return_inverse=True)
    ent_session = ent_session_idx.astype(np.int64) + 1
    by_session = np.lexsort((arr_grid, ent_session_idx))
    sorted_sessions = ent_session_idx[by_session]
    firsts = np.flatnonzero(np.r_[True, sorted_sessions[1:] != sorted_sessions[:-1]])
    lasts = np.r_[firsts[1:] - 1, n - 1]
    ses_start = arr_grid[by_session][firsts]
    ses_end = arr_grid[by_session][lasts]
    ses_count = np.bincount(ent_session_idx, minlength=unique_keys.shape[0]).astype(np.int64)

    # Flows: flow i is anchored on arrival row i; amounts, fraud overlay and the bank's view.
    flow_arrival = np.arange(n, dtype=np.int64)
    amount = np.round(1.0 + 75.0 * -np.log1p(-streams.uniform("flow.amount", n)), 2)
    fraud_u = streams.uniform("flow.fraud", n)
    is_fraud = fraud_u < _FRAUD_RATE
    is_fraud[int(np.argmin(fraud_u))] = True  # every world has at least one fraud flow
    uplift = 1.5 + streams.uniform("flow.uplift", n)
    amount_fraud = np.where(is_fraud, np.round(amount * uplift, 2), amount)
    campaign = streams.integers("flow.campaign", n, 8)
    bank_u = streams.uniform("flow.bank", n)
    bank = (is_fraud & (bank_u < _DETECTION_RATE)) | (~is_fraud & (bank_u < _FALSE_POSITIVE_RATE))
    bank[int(np.argmin(fraud_u))] = True  # …and at least one case

    # Events: 1..6 per flow, each 0..2 grid steps after the previous one (0 = a tie inside the flow).
    counts = streams.integers("flow.events", n, 6) + 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    ev_flow = np.repeat(flow_arrival, counts)
    ev_seq = (np.arange(total, dtype=np.int64) - offsets[:-1][ev_flow]).astype(np.int32)
    steps = np.where(ev_seq == 0, 0, streams.integers("event.step", total, 3))
    cumulative = np.cumsum(steps)
    ev_grid = arr_grid[ev_flow] + cumulative - (cumulative - steps)[offsets[:-1]][ev_flow]

    # Cases: one per flow the bank flags, 2..4 case events each, the last one closing the case.
    case_flows = np.flatnonzero(bank).astype(np.int64)
    case_counts = streams.integers("case.events", case_flows.shape[0], 3) + 2
    case_index = np.repeat(np.arange(case_flows.shape[0], dtype=np.int64), case_counts)
    case_offsets = np.r_[0, np.cumsum(case_counts)[:-1]].astype(np.int64)
    case_seq = (np.arange(case_index.shape[0], dtype=np.int64) - case_offsets[case_index]).astype(np.int32)
    last = case_seq == (case_counts[case_index] - 1)
    case_type = np.where(last, 3, case_seq).astype(np.int64)
    case_flow = case_flows[case_index]
    case_grid = arr_grid[case_flow] + 12 + case_seq.astype(np.int64) * 8

    return WorldModel(
        grid=grid,
        arr_merchant_id=arr_merchant + 100_001,
        arr_seq=arr_seq,
        arr_grid=arr_grid,
        arr_bucket=arr_bucket,
        arr_tz=arr_tz,
        arr_local=arr_local,
        arr_virtual=merchant_virtual[arr_merchant],
        arr_channel=merchant_channel[arr_merchant],
        ent_party=ent_party,
        ent_account=ent_account,
        ent_instrument=ent_instrument,
        ent_device=ent_device,
        ent_ip=ent_ip,
        ent_session=ent_session,
        ses_id=np.arange(1, unique_keys.shape[0] + 1, dtype=np.int64),
        ses_start_grid=ses_start,
        ses_end_grid=ses_end,
        ses_count=ses_count,
        flow_id=flow_arrival + 1,
        flow_arrival=flow_arrival,
        flow_amount=amount,
        flow_amount_fraud=amount_fraud,
        flow_is_fraud=is_fraud,
        flow_campaign=campaign,
        flow_bank=bank,
        flow_event_offsets=offsets,
        ev_flow=ev_flow,
        ev_seq=ev_seq,
        ev_grid=ev_grid,
        case_id=case_index + 1,
        case_seq=case_seq,
        case_flow=case_flow,
        case_type=case_type,
        case_grid=case_grid,
    )
