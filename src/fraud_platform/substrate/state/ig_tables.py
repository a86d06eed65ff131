"""IG's authority tables and their batched statements (SQLite locally, PostgreSQL in dev_min).

Three tables:
- `ig_admission_v1`: one row per dedupe key `(platform_run_id, event_class, event_id)` with the
  payload hash, the publish state (`IN_FLIGHT` → `ADMITTED`), the partition the record goes to, the
  offset it may not be below (`scan_from`) and, once admitted, its offset. An `IN_FLIGHT` row is
  *claimed*: `holder` + `claim_epoch` + `claim_expires_us` say which IG process is publishing it and
  until when; another process may take the claim over (compare-and-swap on the epoch) only after it
  expired, and then reconciles against the topic before publishing again.
- `ig_partition_mark_v1`: per topic partition, the offset after the highest record IG confirmed;
  a claim copies it into `scan_from` so reconciliation reads only the tail that can hold the record.
- `ig_receipt_v1`: receipt id → the receipts object and line that holds it (lookup index).

Every batched call is one transaction whose first statement writes, so SQLite takes its write lock
up front (a read-then-write transaction in WAL mode can fail on lock upgrade instead of waiting).
Only this module speaks SQL for IG; IG itself imports the functions, never SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import STATE_STORE_FAILED
from fraud_platform.substrate.state.errors import map_state_errors
from fraud_platform.substrate.state.table_set import TableSet

__all__ = [
    "ADMITTED",
    "IG_ADMISSION",
    "IG_PARTITION_MARK",
    "IG_RECEIPTS",
    "IN_FLIGHT",
    "AdmissionKey",
    "ClaimRequest",
    "Confirmed",
    "admission_rows",
    "claim_batch",
    "confirm_batch",
    "ensure_ig_tables",
    "events_by_id",
    "index_receipts",
    "partition_marks",
    "receipt_row",
    "take_over_claim",
]

IN_FLIGHT = "IN_FLIGHT"
ADMITTED = "ADMITTED"
_CHUNK = 300

_METADATA = MetaData()

IG_ADMISSION = Table(
    "ig_admission_v1",
    _METADATA,
    Column("platform_run_id", String(40), primary_key=True),
    Column("event_class", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("payload_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("topic", String(128), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("scan_from", BigInteger, nullable=False),
    Column("offset", BigInteger, nullable=True),
    Column("holder", String(64), nullable=False),
    Column("claim_epoch", BigInteger, nullable=False),
    Column("claim_expires_us", BigInteger, nullable=False),
    Column("receipt_id", String(64), nullable=True),
)

IG_PARTITION_MARK = Table(
    "ig_partition_mark_v1",
    _METADATA,
    Column("topic", String(128), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("confirmed_next", BigInteger, nullable=False),
)

IG_RECEIPTS = Table(
    "ig_receipt_v1",
    _METADATA,
    Column("receipt_id", String(64), primary_key=True),
    Column("platform_run_id", String(40), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("object_key", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("event_id", String(64), nullable=True),
    Column("decision", String(16), nullable=False),
)

AdmissionKey = tuple[str, str, str]
"""`(platform_run_id, event_class, event_id)`."""


@dataclass(frozen=True)
class ClaimRequest:
    """One event IG wants to publish: its key, payload hash and the partition it will go to."""

    key: AdmissionKey
    payload_hash: str
    topic: str
    partition: int
    scan_from: int


@dataclass(frozen=True)
class Confirmed:
    """A published record to mark ADMITTED (only while `holder`/`claim_epoch` still hold the claim)."""

    key: AdmissionKey
    holder: str
    claim_epoch: int
    offset: int
    receipt_id: str


_TABLES = TableSet(_METADATA, "IG")


def ensure_ig_tables(engine: Engine) -> None:
    """Create the IG tables if absent (idempotent, once per engine per process; `TableSet`)."""
    _TABLES.ensure(engine)


def _insert(engine: Engine, table: Table) -> Any:
    dialect = engine.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise FailClosed(STATE_STORE_FAILED, f"IG tables do not support dialect {dialect!r}")


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _key_clause(keys: Sequence[AdmissionKey]) -> Any:
    columns = IG_ADMISSION.c
    return tuple_(columns.platform_run_id, columns.event_class, columns.event_id).in_(list(keys))


def _key_of(row: Any) -> AdmissionKey:
    return (str(row["platform_run_id"]), str(row["event_class"]), str(row["event_id"]))


def partition_marks(engine: Engine, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The confirmed mark of each `(topic, partition)` (0 where IG never confirmed a record)."""
    wanted = sorted(set(partitions))
    marks = {item: 0 for item in wanted}
    if not wanted:
        return marks
    columns = IG_PARTITION_MARK.c
    statement = select(columns.topic, columns.partition, columns.confirmed_next).where(
        tuple_(columns.topic, columns.partition).in_(wanted)
    )
    with map_state_errors("read IG partition marks"), engine.connect() as connection:
        for topic, partition, confirmed in connection.execute(statement):
            marks[(str(topic), int(partition))] = int(confirmed)
    return marks


def claim_batch(
    engine: Engine, requests: Sequence[ClaimRequest], *, holder: str, expires_us: int
) -> tuple[set[AdmissionKey], dict[AdmissionKey, dict[str, Any]]]:
    """Claim every absent key for `holder` and read every requested row, in one transaction.

    Returns the keys this call inserted (IN_FLIGHT, epoch 1, held by `holder`) and the current row of
    every requested key (inserted or pre-existing). Two processes claiming the same key: exactly one
    inserts it, the other reads the winner's row.
    """
    inserted: set[AdmissionKey] = set()
    rows: dict[AdmissionKey, dict[str, Any]] = {}
    if not requests:
        return inserted, rows
    columns = IG_ADMISSION.c
    values = [
        {
            "platform_run_id": request.key[0],
            "event_class": request.key[1],
            "event_id": request.key[2],
            "payload_hash": request.payload_hash,
            "state": IN_FLIGHT,
            "topic": request.topic,
            "partition": request.partition,
            "scan_from": request.scan_from,
            "offset": None,
            "holder": holder,
            "claim_epoch": 1,
            "claim_expires_us": expires_us,
            "receipt_id": None,
        }
        for request in requests
    ]
    # One statement compiled once (cached), executed for many rows ("insertmanyvalues"): building a
    # literal multi-row VALUES per batch would recompile it every time and cost more than the I/O.
    statement = (
        _insert(engine, IG_ADMISSION)
        .on_conflict_do_nothing()
        .returning(columns.platform_run_id, columns.event_class, columns.event_id)
    )
    with map_state_errors("claim IG admissions"), engine.begin() as connection:
        inserted.update((str(a), str(b), str(c)) for a, b, c in connection.execute(statement, values))
        for chunk in _chunks([request.key for request in requests]):
            for row in connection.execute(select(IG_ADMISSION).where(_key_clause(chunk))).mappings():
                rows[_key_of(row)] = dict(row)
    return inserted, rows


def admission_rows(engine: Engine, keys: Sequence[AdmissionKey]) -> dict[AdmissionKey, dict[str, Any]]:
    """The current rows of `keys` (absent keys are left out)."""
    rows: dict[AdmissionKey, dict[str, Any]] = {}
    with map_state_errors("read IG admissions"), engine.connect() as connection:
        for chunk in _chunks(list(keys)):
            for row in connection.execute(select(IG_ADMISSION).where(_key_clause(chunk))).mappings():
                rows[_key_of(row)] = dict(row)
    return rows


def take_over_claim(
    engine: Engine, key: AdmissionKey, *, old_epoch: int, holder: str, now_us: int, expires_us: int
) -> bool:
    """Move an expired IN_FLIGHT claim at `old_epoch` to `holder` (epoch + 1); False if another moved first."""
    columns = IG_ADMISSION.c
    statement = (
        IG_ADMISSION.update()
        .where(
            and_(
                columns.platform_run_id == key[0],
                columns.event_class == key[1],
                columns.event_id == key[2],
                columns.state == IN_FLIGHT,
                columns.claim_epoch == old_epoch,
                columns.claim_expires_us <= now_us,
            )
        )
        .values(holder=holder, claim_epoch=old_epoch + 1, claim_expires_us=expires_us)
    )
    with map_state_errors("take over an IG claim"), engine.begin() as connection:
        return int(connection.execute(statement).rowcount) == 1


def confirm_batch(engine: Engine, confirmed: Sequence[Confirmed]) -> set[AdmissionKey]:
    """Mark records ADMITTED (fenced by holder + epoch) and raise the partition marks; one transaction.

    Returns the keys this call moved; a key left out lost its claim (another process took it over).
    """
    if not confirmed:
        return set()
    columns = IG_ADMISSION.c
    update = (
        IG_ADMISSION.update()
        .where(
            and_(
                columns.platform_run_id == bindparam("k_run"),
                columns.event_class == bindparam("k_class"),
                columns.event_id == bindparam("k_id"),
                columns.state == IN_FLIGHT,
                columns.holder == bindparam("k_holder"),
                columns.claim_epoch == bindparam("k_epoch"),
            )
        )
        .values(state=ADMITTED, offset=bindparam("v_offset"), receipt_id=bindparam("v_receipt"))
    )
    parameters = [
        {
            "k_run": item.key[0],
            "k_class": item.key[1],
            "k_id": item.key[2],
            "k_holder": item.holder,
            "k_epoch": item.claim_epoch,
            "v_offset": item.offset,
            "v_receipt": item.receipt_id,
        }
        for item in confirmed
    ]
    wanted = {item.key: item for item in confirmed}
    moved: set[AdmissionKey] = set()
    highest: dict[tuple[str, int], int] = {}
    with map_state_errors("confirm IG admissions"), engine.begin() as connection:
        connection.execute(update, parameters)
        # Read back instead of trusting executemany's rowcount (drivers differ): a row is ours when it
        # carries exactly what this call wrote.
        for chunk in _chunks(list(wanted)):
            for row in connection.execute(select(IG_ADMISSION).where(_key_clause(chunk))).mappings():
                item = wanted[_key_of(row)]
                if (
                    row["state"] == ADMITTED
                    and row["holder"] == item.holder
                    and int(row["claim_epoch"]) == item.claim_epoch
                    and int(row["offset"]) == item.offset
                ):
                    moved.add(item.key)
                    place = (str(row["topic"]), int(row["partition"]))
                    highest[place] = max(highest.get(place, 0), item.offset + 1)
        marks = IG_PARTITION_MARK.c
        for (topic, partition), confirmed_next in sorted(highest.items()):
            connection.execute(
                _insert(engine, IG_PARTITION_MARK)
                .values(topic=topic, partition=partition, confirmed_next=0)
                .on_conflict_do_nothing()
            )
            connection.execute(
                IG_PARTITION_MARK.update()
                .where(
                    and_(
                        marks.topic == topic,
                        marks.partition == partition,
                        marks.confirmed_next < confirmed_next,
                    )
                )
                .values(confirmed_next=confirmed_next)
            )
    return moved


def index_receipts(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert receipt index rows (idempotent: an existing receipt id is left as it is)."""
    if not rows:
        return
    with map_state_errors("index IG receipts"), engine.begin() as connection:
        connection.execute(_insert(engine, IG_RECEIPTS).on_conflict_do_nothing(), [dict(row) for row in rows])


def receipt_row(engine: Engine, receipt_id: str) -> dict[str, Any] | None:
    """The index row of a receipt, or None."""
    statement = select(IG_RECEIPTS).where(IG_RECEIPTS.c.receipt_id == receipt_id)
    with map_state_errors("read IG receipt index"), engine.connect() as connection:
        row = connection.execute(statement).mappings().first()
    return dict(row) if row is not None else None


def events_by_id(engine: Engine, platform_run_id: str, event_id: str) -> list[dict[str, Any]]:
    """Every admission row of an event id in a run (one per event class that used the id)."""
    columns = IG_ADMISSION.c
    statement = (
        select(IG_ADMISSION)
        .where(and_(columns.platform_run_id == platform_run_id, columns.event_id == event_id))
        .order_by(columns.event_class)
    )
    with map_state_errors("read IG admission"), engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]
