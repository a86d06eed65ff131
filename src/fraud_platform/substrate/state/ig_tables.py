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
- `ig_receipt_object_v1`: one row per receipts object (batch id, object key, run folder, line
  count): a receipt id names its batch and position, so the batch's objects are the lookup index,
  and an ingest batch adds one or two rows instead of one per event. (`ig_receipt_v1`, the older
  per-receipt index, is no longer written; teardown still clears its rows in older stores.)

Every batched call is one transaction whose first statement writes, so SQLite takes its write lock
up front (a read-then-write transaction in WAL mode can fail on lock upgrade instead of waiting).
Rows are looked up by key as `platform_run_id = ? AND event_class = ? AND event_id IN (…)`, one
statement per run and class: that walks the primary key, whereas SQLite answers a row-value
`(a, b, c) IN (VALUES …)` with a scan of the whole table, which made every batch cost O(table)
(measured: two thirds of IG's time once the table held a run's events). Per batch: one write
transaction to claim (insert, and read back only the keys that were already there), one to confirm
(one fenced update per key in a single executemany, the partition marks raised by one upsert each).

Durability on SQLite (WAL; the store opens every connection with `synchronous = FULL`): a claim is
committed FULL, because it must be on disk before its record is produced (a claim lost to a power
cut after the produce would let a retry claim the key afresh and publish a second copy). Confirms
and receipt-object rows are committed with `synchronous = NORMAL` (WAL appended, not fsynced): a
power cut can lose only the most recent ones, never the claims, and the next FULL commit (the next
batch's claim) makes them durable with the WAL it syncs. A lost confirm leaves its row IN_FLIGHT
under a claim that expires, and the next send of the event reconciles it against the topic (the
record is found, it becomes ADMITTED at its offset); a lost receipt-object row only makes
`GET /v1/receipts/{id}` answer 404 for a receipt whose object exists. A process crash loses neither
(the WAL is written before the commit returns). PostgreSQL commits as the server is configured.
Only this module speaks SQL for IG; IG itself imports the functions, never SQLAlchemy.

On SQLite the per-batch statements (claim, confirm, partition marks, receipt objects) are plain SQL
run through the driver with positional rows built straight from the call's values: SQLAlchemy's
per-row parameter handling cost as much as SQLite's own work (measured on IG's hot path). The claim
is one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` per chunk, so the rows this call
inserted are known exactly without reading them back. Same statements, same transactions, same
sync rules as above; PostgreSQL keeps the SQLAlchemy Core statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    select,
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
    "IG_RECEIPT_OBJECTS",
    "IN_FLIGHT",
    "LEGACY_IG_RECEIPTS",
    "AdmissionKey",
    "ClaimRequest",
    "Confirmed",
    "ReceiptObjectRow",
    "admission_rows",
    "claim_batch",
    "confirm_batch",
    "ensure_ig_tables",
    "events_by_id",
    "index_receipt_objects",
    "partition_marks",
    "receipt_objects",
    "take_over_claim",
]

IN_FLIGHT = "IN_FLIGHT"
ADMITTED = "ADMITTED"
_CHUNK = 500

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

IG_RECEIPT_OBJECTS = Table(
    "ig_receipt_object_v1",
    _METADATA,
    Column("batch_id", String(64), primary_key=True),
    Column("object_key", String(255), primary_key=True),
    Column("platform_run_id", String(40), nullable=False),
    Column("lines", Integer, nullable=False),
)

LEGACY_IG_RECEIPTS = Table(
    "ig_receipt_v1",
    MetaData(),
    Column("receipt_id", String(64), primary_key=True),
    Column("platform_run_id", String(40), nullable=False),
)
"""The per-receipt index of earlier versions: never created or written now, only cleared by teardown."""

AdmissionKey = tuple[str, str, str]
"""`(platform_run_id, event_class, event_id)`."""


class ClaimRequest(NamedTuple):
    """One event IG wants to publish: its key, payload hash and the partition it will go to."""

    key: AdmissionKey
    payload_hash: str
    topic: str
    partition: int
    scan_from: int


class Confirmed(NamedTuple):
    """A published record to mark ADMITTED (only while `holder`/`claim_epoch` still hold the claim).

    `place` is the `(topic, partition)` the record landed in, when the caller knows it (the publisher
    always does): then a confirm whose every update hit its row needs no read-back to raise the
    partition marks. Without it the rows are read back for their partition.
    """

    key: AdmissionKey
    holder: str
    claim_epoch: int
    offset: int
    receipt_id: str
    place: tuple[str, int] | None = None


class ReceiptObjectRow(NamedTuple):
    """One `ig_receipt_object_v1` row, fields in the table's column order (bound positionally on SQLite)."""

    batch_id: str
    object_key: str
    platform_run_id: str
    lines: int


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


@contextmanager
def _write(engine: Engine, *, durable: bool) -> Iterator[Connection]:
    """One write transaction; on SQLite committed FULL (`durable`) or NORMAL (see the module docstring).

    The pragma runs before the transaction's first statement (the driver opens the transaction at the
    first write), and is set on every transaction because pooled connections keep the last setting.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(_SYNC_FULL if durable else _SYNC_NORMAL)
        yield connection


def _executemany(connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
    """Run `statement` once per row through the driver's executemany; returns the cursor result.

    SQLAlchemy's own executemany builds every row's parameters in Python (`construct_params`, about
    as costly per row as the SQLite work itself); here the statement is compiled once per dialect
    and each row only fills the compiled parameter order. Only for statements whose columns need no
    bind processing (strings and integers, as every IG column).
    """
    compiled = _COMPILED.get((id(statement), connection.dialect.name))
    if compiled is None:
        compiled = statement.compile(dialect=connection.dialect)
        _COMPILED[(id(statement), connection.dialect.name)] = compiled
    base = compiled.params
    order = compiled.positiontup
    if order is None:
        parameters: list[Any] = [{**base, **row} for row in rows]
    else:
        parameters = [tuple(row[name] if name in row else base[name] for name in order) for row in rows]
    return connection.exec_driver_sql(compiled.string, parameters)


_COMPILED: dict[tuple[int, str], Any] = {}

_SYNC_FULL = "PRAGMA synchronous = FULL"
_SYNC_NORMAL = "PRAGMA synchronous = NORMAL"


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_BY_IDS = select(IG_ADMISSION).where(
    and_(
        IG_ADMISSION.c.platform_run_id == bindparam("run"),
        IG_ADMISSION.c.event_class == bindparam("event_class"),
        IG_ADMISSION.c.event_id.in_(bindparam("ids", expanding=True)),
    )
)
"""Rows of one run and class by event id: a primary-key range per id on SQLite and PostgreSQL alike."""


def _key_of(row: Any) -> AdmissionKey:
    return (str(row["platform_run_id"]), str(row["event_class"]), str(row["event_id"]))


def _read_rows(connection: Connection, keys: Iterable[AdmissionKey]) -> dict[AdmissionKey, dict[str, Any]]:
    """The current rows of `keys` over one connection (absent keys are left out)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for run, event_class, event_id in keys:
        groups.setdefault((run, event_class), []).append(event_id)
    rows: dict[AdmissionKey, dict[str, Any]] = {}
    for (run, event_class), ids in sorted(groups.items()):
        for chunk in _chunks(ids):
            parameters = {"run": run, "event_class": event_class, "ids": list(chunk)}
            for row in connection.execute(_BY_IDS, parameters).mappings():
                rows[_key_of(row)] = dict(row)
    return rows


def partition_marks(engine: Engine, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The confirmed mark of each `(topic, partition)` (0 where IG never confirmed a record)."""
    wanted = sorted(set(partitions))
    marks = {item: 0 for item in wanted}
    if not wanted:
        return marks
    topics = sorted({topic for topic, _ in wanted})
    with map_state_errors("read IG partition marks"), engine.connect() as connection:
        for topic, partition, confirmed in connection.execute(_MARKS_OF_TOPICS, {"topics": topics}):
            if (str(topic), int(partition)) in marks:
                marks[(str(topic), int(partition))] = int(confirmed)
    return marks


_MARKS_OF_TOPICS = select(
    IG_PARTITION_MARK.c.topic, IG_PARTITION_MARK.c.partition, IG_PARTITION_MARK.c.confirmed_next
).where(IG_PARTITION_MARK.c.topic.in_(bindparam("topics", expanding=True)))
"""Every mark of the given topics (a handful of partitions each): one cached statement for any batch,
where a `(topic, partition) IN (…)` of the batch's own pairs was a new statement to compile per batch."""


def _claimed_row(request: ClaimRequest, holder: str, expires_us: int) -> dict[str, Any]:
    """The admission row a fresh claim writes: IN_FLIGHT, epoch 1, no offset or receipt yet."""
    return {
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
    if engine.dialect.name == "sqlite":
        return _claim_sqlite(engine, requests, holder=holder, expires_us=expires_us)
    columns = IG_ADMISSION.c
    values = [_claimed_row(request, holder, expires_us) for request in requests]
    # One statement compiled once (cached), executed for many rows ("insertmanyvalues"): building a
    # literal multi-row VALUES per batch would recompile it every time and cost more than the I/O.
    statement = (
        _insert(engine, IG_ADMISSION)
        .on_conflict_do_nothing()
        .returning(columns.platform_run_id, columns.event_class, columns.event_id)
    )
    with map_state_errors("claim IG admissions"), _write(engine, durable=True) as connection:
        inserted.update((str(a), str(b), str(c)) for a, b, c in connection.execute(statement, values))
        # A key this call inserted holds exactly the values it wrote; only the others are read back.
        rows.update(_read_rows(connection, [r.key for r in requests if r.key not in inserted]))
    for request, row in zip(requests, values, strict=True):
        if request.key in inserted:
            rows[request.key] = row
    return inserted, rows


_CLAIM_CHUNK = 100
"""Rows per claim statement on SQLite: 9 parameters a row stays under the 999 variables that SQLite
builds before 3.32 allow (later builds allow 32,766)."""

_CLAIM_HEAD = (
    "INSERT INTO ig_admission_v1 (platform_run_id, event_class, event_id, payload_hash, state, topic, "
    'partition, scan_from, "offset", holder, claim_epoch, claim_expires_us, receipt_id) VALUES '
)
_CLAIM_ROW = f"(?, ?, ?, ?, '{IN_FLIGHT}', ?, ?, ?, NULL, ?, 1, ?, NULL)"
_CLAIM_TAIL = " ON CONFLICT DO NOTHING RETURNING platform_run_id, event_class, event_id"
_CLAIM_SQL: dict[int, str] = {}


def _claim_sql(count: int) -> str:
    """The claim statement for `count` rows (one string per count, so the driver's cache reuses it)."""
    sql = _CLAIM_SQL.get(count)
    if sql is None:
        sql = _CLAIM_SQL[count] = _CLAIM_HEAD + ", ".join([_CLAIM_ROW] * count) + _CLAIM_TAIL
    return sql


def _claim_sqlite(
    engine: Engine, requests: Sequence[ClaimRequest], *, holder: str, expires_us: int
) -> tuple[set[AdmissionKey], dict[AdmissionKey, dict[str, Any]]]:
    """`claim_batch` on SQLite: one multi-row insert per chunk whose RETURNING names the inserted keys."""
    inserted: set[AdmissionKey] = set()
    with map_state_errors("claim IG admissions"), _write(engine, durable=True) as connection:
        for chunk in _chunks(requests, _CLAIM_CHUNK):
            parameters: list[Any] = []
            for request in chunk:
                run, event_class, event_id = request.key
                parameters += (
                    run,
                    event_class,
                    event_id,
                    request.payload_hash,
                    request.topic,
                    request.partition,
                    request.scan_from,
                    holder,
                    expires_us,
                )
            result = connection.exec_driver_sql(_claim_sql(len(chunk)), tuple(parameters))
            inserted.update((str(a), str(b), str(c)) for a, b, c in result)
        # A key this call inserted holds exactly the values it wrote; only the others are read back.
        rows = _read_rows(connection, [r.key for r in requests if r.key not in inserted])
    for request in requests:
        if request.key in inserted:
            rows[request.key] = _claimed_row(request, holder, expires_us)
    return inserted, rows


def admission_rows(engine: Engine, keys: Sequence[AdmissionKey]) -> dict[AdmissionKey, dict[str, Any]]:
    """The current rows of `keys` (absent keys are left out)."""
    if not keys:
        return {}
    with map_state_errors("read IG admissions"), engine.connect() as connection:
        return _read_rows(connection, keys)


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
    with map_state_errors("take over an IG claim"), _write(engine, durable=True) as connection:
        return int(connection.execute(statement).rowcount) == 1


def _next_offsets(confirmed: Sequence[Confirmed]) -> dict[tuple[str, int], int]:
    """Per partition, the offset after the highest one confirmed (every item has a place)."""
    highest: dict[tuple[str, int], int] = {}
    for item in confirmed:
        assert item.place is not None  # the callers checked every item has one
        highest[item.place] = max(highest.get(item.place, 0), item.offset + 1)
    return highest


def confirm_batch(engine: Engine, confirmed: Sequence[Confirmed]) -> set[AdmissionKey]:
    """Mark records ADMITTED (fenced by holder + epoch) and raise the partition marks; one transaction.

    Returns the keys this call moved; a key left out lost its claim (another process took it over).
    Each key's update matches at most its one row, so when the driver's summed rowcount (trusted only
    where the dialect declares it sane) equals the number of keys, every key moved and nothing is read
    back; otherwise the rows are read back and a row counts as moved when it carries exactly what this
    call wrote.
    """
    if not confirmed:
        return set()
    if engine.dialect.name == "sqlite":
        return _confirm_sqlite(engine, confirmed)
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
    highest: dict[tuple[str, int], int] = {}
    with map_state_errors("confirm IG admissions"), _write(engine, durable=False) as connection:
        result = _executemany(connection, _CONFIRM, parameters)
        everyone = (
            engine.dialect.supports_sane_multi_rowcount
            and result.rowcount == len(wanted)
            and all(item.place is not None for item in confirmed)
        )
        if everyone:
            moved = set(wanted)
            highest = _next_offsets(confirmed)
        else:
            moved = _moved(_read_rows(connection, wanted), wanted, highest)
        if highest:
            marks = [
                {"topic": topic, "partition": partition, "confirmed_next": confirmed_next}
                for (topic, partition), confirmed_next in sorted(highest.items())
            ]
            connection.execute(_raise_marks(engine), marks)
    return moved


_CONFIRM = (
    IG_ADMISSION.update()
    .where(
        and_(
            IG_ADMISSION.c.platform_run_id == bindparam("k_run"),
            IG_ADMISSION.c.event_class == bindparam("k_class"),
            IG_ADMISSION.c.event_id == bindparam("k_id"),
            IG_ADMISSION.c.state == IN_FLIGHT,
            IG_ADMISSION.c.holder == bindparam("k_holder"),
            IG_ADMISSION.c.claim_epoch == bindparam("k_epoch"),
        )
    )
    .values(state=ADMITTED, offset=bindparam("v_offset"), receipt_id=bindparam("v_receipt"))
)


_CONFIRM_SQL = (
    f"UPDATE ig_admission_v1 SET state = '{ADMITTED}', \"offset\" = ?, receipt_id = ? "
    "WHERE platform_run_id = ? AND event_class = ? AND event_id = ? "
    f"AND state = '{IN_FLIGHT}' AND holder = ? AND claim_epoch = ?"
)
_RAISE_MARK_SQL = (
    "INSERT INTO ig_partition_mark_v1 (topic, partition, confirmed_next) VALUES (?, ?, ?) "
    "ON CONFLICT (topic, partition) DO UPDATE SET confirmed_next = excluded.confirmed_next "
    "WHERE ig_partition_mark_v1.confirmed_next < excluded.confirmed_next"
)
_INDEX_SQL = (
    "INSERT INTO ig_receipt_object_v1 (batch_id, object_key, platform_run_id, lines) "
    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


def _confirm_sqlite(engine: Engine, confirmed: Sequence[Confirmed]) -> set[AdmissionKey]:
    """`confirm_batch` on SQLite: the driver's executemany, whose rowcount is the sum over the rows."""
    parameters = [
        (item.offset, item.receipt_id, *item.key, item.holder, item.claim_epoch) for item in confirmed
    ]
    wanted = {item.key: item for item in confirmed}
    highest: dict[tuple[str, int], int] = {}
    with map_state_errors("confirm IG admissions"), _write(engine, durable=False) as connection:
        result = connection.exec_driver_sql(_CONFIRM_SQL, parameters)
        if result.rowcount == len(wanted) and all(item.place is not None for item in confirmed):
            moved = set(wanted)
            highest = _next_offsets(confirmed)
        else:
            moved = _moved(_read_rows(connection, wanted), wanted, highest)
        if highest:
            marks = [(topic, partition, mark) for (topic, partition), mark in sorted(highest.items())]
            connection.exec_driver_sql(_RAISE_MARK_SQL, marks)
    return moved


def _moved(
    rows: Mapping[AdmissionKey, Mapping[str, Any]],
    wanted: Mapping[AdmissionKey, Confirmed],
    highest: dict[tuple[str, int], int],
) -> set[AdmissionKey]:
    """Keys whose row carries exactly what the confirm wrote; raises `highest` for each of them."""
    moved: set[AdmissionKey] = set()
    for key, row in rows.items():
        item = wanted[key]
        if (
            row["state"] == ADMITTED
            and row["holder"] == item.holder
            and int(row["claim_epoch"]) == item.claim_epoch
            and int(row["offset"]) == item.offset
        ):
            moved.add(key)
            place = (str(row["topic"]), int(row["partition"]))
            highest[place] = max(highest.get(place, 0), item.offset + 1)
    return moved


def _raise_marks(engine: Engine) -> Any:
    """Upsert of one partition mark that only ever raises it (one statement, executemany'd)."""
    statement = _insert(engine, IG_PARTITION_MARK)
    marks = IG_PARTITION_MARK.c
    return statement.on_conflict_do_update(
        index_elements=[marks.topic, marks.partition],
        set_={"confirmed_next": statement.excluded.confirmed_next},
        where=marks.confirmed_next < statement.excluded.confirmed_next,
    )


def index_receipt_objects(engine: Engine, rows: Sequence[ReceiptObjectRow]) -> None:
    """Record a batch's receipts objects (idempotent: an existing row is left as it is)."""
    if not rows:
        return
    with map_state_errors("index IG receipts"), _write(engine, durable=False) as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(_INDEX_SQL, list(rows))
        else:
            _executemany(connection, _INDEX[engine.dialect.name], [row._asdict() for row in rows])


_INDEX = {"postgresql": postgresql.insert(IG_RECEIPT_OBJECTS).on_conflict_do_nothing()}
"""The receipt-object insert off SQLite, built once (`_executemany` caches its compiled form)."""


def receipt_objects(engine: Engine, batch_id: str) -> list[ReceiptObjectRow]:
    """The receipts objects of one ingest batch, by object key (empty when the batch is unknown)."""
    columns = IG_RECEIPT_OBJECTS.c
    statement = (
        select(columns.batch_id, columns.object_key, columns.platform_run_id, columns.lines)
        .where(columns.batch_id == batch_id)
        .order_by(columns.object_key)
    )
    with map_state_errors("read IG receipt index"), engine.connect() as connection:
        return [ReceiptObjectRow(*row) for row in connection.execute(statement)]


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
