"""Event ids recomputed from a committed stream view, for a sample of its first `cap` rows.

Why: "downstream parity" must be shown on the events themselves, not only on counts. WSP streams a
view's rows `[0, min(cap, rows))` in view order, and the event id is a pure function of the row's
primary key and the world key (`eb.envelope.event_id_for`). So both the lane and `fp run verify`
read a few of those rows straight from the view parts the closure receipt names (each part proven by
its SHA-256 before pyarrow opens it), recompute their ids, and look for them among the admitted
receipts. The sample is the first `HEAD_ROWS` rows plus `RANDOM_ROWS` rows drawn with a seed made
from the run id, so a rerun samples the same rows. Only the parts holding sampled rows are read.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow.parquet as pq

from fraud_platform.core.canonical import parse_json_bytes
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import parse_utc
from fraud_platform.eb.envelope import event_id_for
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.operate._reasons import STATEMENT_UNPROVEN
from fraud_platform.oracle.sort.closure.receipt import StreamSortReceipt, parse_receipt, parse_view_manifest
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "HEAD_ROWS",
    "RANDOM_ROWS",
    "Admitted",
    "admitted_receipts",
    "read_receipt_at",
    "sample_rows",
    "view_event_ids",
]

HEAD_ROWS = 5
RANDOM_ROWS = 5


def sample_rows(platform_run_id: str, output_id: str, streamed: int) -> list[int]:
    """The sampled row indexes of one output: the first HEAD_ROWS, then RANDOM_ROWS seeded draws."""
    head = list(range(min(HEAD_ROWS, streamed)))
    rest = range(len(head), streamed)
    seed = int(hashlib.sha256(f"{platform_run_id}|{output_id}".encode()).hexdigest()[:16], 16)
    drawn = random.Random(seed).sample(rest, min(RANDOM_ROWS, len(rest)))
    return head + sorted(drawn)


def read_receipt_at(store: ObjectStore, uri: str, sha256: str) -> tuple[StreamSortReceipt, bytes]:
    """The closure receipt at `uri`, refused unless its bytes hash to `sha256`."""
    data = store.get(S3Location.parse(uri))
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FailClosed(
            STATEMENT_UNPROVEN, f"the closure receipt {uri} is not the one recorded", {"uri": uri}
        )
    return parse_receipt(data), data


def _verified(store: ObjectStore, location: S3Location, sha256: str) -> bytes:
    data = store.get(location)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FailClosed(
            STATEMENT_UNPROVEN, f"{location.uri} does not hash to the recorded sha256", {"uri": location.uri}
        )
    return data


def view_event_ids(
    store: ObjectStore, receipt_uri: str, receipt_sha256: str, rows: Sequence[int]
) -> dict[int, str]:
    """Event ids of the view's rows `rows`, read from the parts of the receipt's committed attempt."""
    receipt, _ = read_receipt_at(store, receipt_uri, receipt_sha256)
    view_dir = receipt_uri.rsplit("/", 1)[0] + "/"
    manifest = parse_view_manifest(
        _verified(store, S3Location.parse(view_dir + receipt.manifest.name), receipt.manifest.sha256)
    )
    primary_key = load_catalogue().output(receipt.output_id).primary_key
    wanted = sorted(set(rows))
    found: dict[int, str] = {}
    first = 0
    for part in manifest.parts:
        inside = [row for row in wanted if first <= row < first + part.rows]
        if inside:
            data = _verified(store, S3Location.parse(view_dir + part.name), part.sha256)
            # Single-threaded: a few rows need no pool, and Arrow's pool threads can abort the CLI
            # at interpreter exit (apache/arrow#34314).
            table = pq.read_table(
                io.BytesIO(data), columns=list(primary_key), use_threads=False, pre_buffer=False
            )
            for row in inside:
                values = [table.column(key)[row - first].as_py() for key in primary_key]
                found[row] = event_id_for(receipt.output_id, values, receipt.world_key)
        first += part.rows
    missing = [row for row in wanted if row not in found]
    if missing:
        raise FailClosed(
            STATEMENT_UNPROVEN, f"rows {missing[:5]} are beyond the view of {receipt.output_id}", {}
        )
    return found


@dataclass(frozen=True)
class Admitted:
    """IG's ADMIT receipts of a run, per output: event ids, receipt times (`received_at_utc`) and
    IG's batch admission latencies (`admission_ms`; receipts written before IG recorded it have none,
    so an output may hold fewer latencies than times, never an invented one)."""

    event_ids: dict[str, set[str]]
    times: dict[str, list[datetime]]
    latencies_ms: dict[str, list[float]]


def _admission_ms(receipt: Mapping[str, Any], key: str) -> float | None:
    """The receipt's `admission_ms`, None when absent; a value that is not a duration is refused."""
    value = receipt.get("admission_ms")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise FailClosed(
            STATEMENT_UNPROVEN,
            f"an IG receipt in {key} carries an admission_ms that is not a duration in ms",
            {"object_key": key, "receipt_id": str(receipt.get("receipt_id"))},
        )
    return float(value)


def admitted_receipts(store: ObjectStore, bucket: str, platform_run_id: str) -> Admitted:
    """Every event IG admitted for the run, per output, from its immutable receipts objects."""
    admitted = Admitted({}, {}, {})
    prefix = S3Location(bucket, f"fraud-platform/{platform_run_id}/ig/receipts/")
    for info in store.list(prefix):
        for line in store.get(S3Location(bucket, info.key)).splitlines():
            receipt: Any = parse_json_bytes(line)
            if not isinstance(receipt, Mapping) or receipt.get("decision") != "ADMIT":
                continue
            output_id = str(receipt.get("event_type"))
            admitted.event_ids.setdefault(output_id, set()).add(str(receipt.get("event_id")))
            moment = receipt.get("received_at_utc")
            if isinstance(moment, str):
                admitted.times.setdefault(output_id, []).append(parse_utc(moment))
            latency = _admission_ms(receipt, info.key)
            if latency is not None:
                admitted.latencies_ms.setdefault(output_id, []).append(latency)
    return admitted
