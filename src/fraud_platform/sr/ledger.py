"""The SR run ledger in the object store: `fraud-platform/{platform_run_id}/sr/…`.

One scenario run owns one object in each folder:

    run_plan/{scenario_run_id}.json           write-once (re-planning must give the same bytes)
    run_record/{scenario_run_id}/{seq:06d}.json   one immutable object per event (event in the body)
    run_status/{scenario_run_id}.json         compare-and-swap (`If-Match`), forwards only
    run_facts_view/{scenario_run_id}.json     write-once, the evidence READY stands on
    ready_signal/{scenario_run_id}.json       write-once, the exact READY message published

Keys are built here and nowhere else. Nothing in this module decides a state: it stores what the
runner decided, with the storage guarantees each object needs. Every write first calls the ledger's
`fence` (the runner binds it to a renewal of its lease): a driver whose lease lapsed or was taken over
raises SR_LEASE_LOST there and never reaches the store.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from fraud_platform.core.errors import FailClosed, PlatformError
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.obs.evidence import put_next_in_sequence, validate_platform_run_id
from fraud_platform.sr._reasons import (
    FACTS_VIEW_CONFLICT,
    READY_SIGNAL_CONFLICT,
    SR_LEDGER_INVALID,
    SR_PLAN_DRIFT,
)
from fraud_platform.sr.documents import (
    RECORD_SCHEMA,
    FactsView,
    RunPlan,
    RunRecord,
    RunStatus,
    document_bytes,
    parse_ledger_document,
)
from fraud_platform.sr.identity import validate_scenario_run_id
from fraud_platform.substrate._reasons import OBJECT_CONFLICT, OBJECT_MISSING
from fraud_platform.substrate.objectstore.port import ObjectStore, PutOutcome, S3Location

__all__ = ["EVENT_SUFFIX", "SrLedger", "facts_view_identity"]

EVENT_SUFFIX = ".json"


def facts_view_identity(view: FactsView) -> dict[str, object]:
    """What makes two facts views the same READY: every field but the time it was decided."""
    document = view.model_dump(mode="json")
    document.pop("emitted_at_utc")
    return document


@dataclass(frozen=True)
class SrLedger:
    """The ledger of one scenario run; a value object bound to a store (safe to share across threads)."""

    store: ObjectStore
    bucket: str
    platform_run_id: str
    scenario_run_id: str
    fence: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        validate_platform_run_id(self.platform_run_id)
        validate_scenario_run_id(self.scenario_run_id)

    # Locations ------------------------------------------------------------------------------------

    @property
    def prefix(self) -> S3Location:
        """`fraud-platform/{platform_run_id}/sr/`."""
        return S3Location(self.bucket, f"fraud-platform/{self.platform_run_id}/sr/")

    @property
    def plan_location(self) -> S3Location:
        return self.prefix.child(f"run_plan/{self.scenario_run_id}.json")

    @property
    def status_location(self) -> S3Location:
        return self.prefix.child(f"run_status/{self.scenario_run_id}.json")

    @property
    def records_prefix(self) -> S3Location:
        return self.prefix.child(f"run_record/{self.scenario_run_id}/")

    @property
    def facts_view_location(self) -> S3Location:
        return self.prefix.child(f"run_facts_view/{self.scenario_run_id}.json")

    @property
    def ready_signal_location(self) -> S3Location:
        return self.prefix.child(f"ready_signal/{self.scenario_run_id}.json")

    # Plan -----------------------------------------------------------------------------------------

    def write_plan(self, plan: RunPlan) -> PutOutcome:
        """Write the plan once; identical bytes already there is success, other bytes SR_PLAN_DRIFT."""
        self._check_ids(plan.platform_run_id, plan.scenario_run_id, "run_plan")
        self._fenced()
        return self._write_once(self.plan_location, document_bytes(plan), SR_PLAN_DRIFT)

    def read_plan(self) -> RunPlan | None:
        data = self._read_optional(self.plan_location)
        return None if data is None else parse_ledger_document(RunPlan, data, self.plan_location.uri)

    # Status ---------------------------------------------------------------------------------------

    def read_status(self) -> tuple[RunStatus, str] | None:
        """The current status and its ETag (for the next compare-and-swap), or None for a new run."""
        try:
            data, etag = self.store.get_with_etag(self.status_location)
        except PlatformError as error:
            if error.code != OBJECT_MISSING:
                raise
            return None
        status = parse_ledger_document(RunStatus, data, self.status_location.uri)
        self._check_ids(status.platform_run_id, status.scenario_run_id, "run_status")
        return status, etag

    def swap_status(self, status: RunStatus, expected_etag: str | None) -> str:
        """Compare-and-swap the status (`expected_etag=None`: create). Raises OBJECT_CAS_CONFLICT on a lost race."""
        self._check_ids(status.platform_run_id, status.scenario_run_id, "run_status")
        self._fenced()
        return self.store.put_if_match(self.status_location, document_bytes(status), expected_etag)

    # Records --------------------------------------------------------------------------------------

    def append_record(self, record: RunRecord) -> S3Location:
        """Append one event as its own immutable object under the next free sequence number.

        `record.seq` is a placeholder; the stored record carries the seq it was written under and a
        writer token, so two writers never mistake each other's object for their own retry.
        """
        self._check_ids(record.platform_run_id, record.scenario_run_id, "run_record")
        self._fenced()
        writer = record.writer or secrets.token_hex(8)

        def body_for(seq: int) -> bytes:
            return document_bytes(record.model_copy(update={"seq": seq, "writer": writer}))

        location, _seq = put_next_in_sequence(self.store, self.records_prefix, EVENT_SUFFIX, body_for)
        return location

    def record_events(self) -> list[str]:
        """The event names recorded so far, in sequence order (the key is the bare number, the event is in the body)."""
        return [record.event for record in self.read_records()]

    def read_records(self) -> list[RunRecord]:
        """Every record, in sequence order."""
        records = []
        for info in self.store.list(self.records_prefix):
            location = S3Location(self.bucket, info.key)
            record = parse_ledger_document(RunRecord, self.store.get(location), location.uri)
            if record.schema_version != RECORD_SCHEMA:
                raise FailClosed(SR_LEDGER_INVALID, f"{location.uri} is not a run record")
            records.append(record)
        return records

    # Facts view and ready signal ------------------------------------------------------------------

    def write_facts_view(self, view: FactsView) -> FactsView:
        """Write the facts view once and return the committed one.

        Losing a race to another driver is not a conflict: the committed view is re-read and compared
        by identity (everything but `emitted_at_utc`, which differs between two drivers deciding the
        same READY); the same identity returns the committed view, another raises FACTS_VIEW_CONFLICT.
        """
        self._check_ids(view.platform_run_id, view.scenario_run_id, "run_facts_view")
        self._fenced()
        try:
            self.store.put_if_absent(
                self.facts_view_location, document_bytes(view), content_type="application/json"
            )
        except PlatformError as error:
            if error.code != OBJECT_CONFLICT:
                raise
            committed = self.read_facts_view()
            if committed is None or facts_view_identity(committed) != facts_view_identity(view):
                raise FailClosed(
                    FACTS_VIEW_CONFLICT,
                    f"{self.facts_view_location.uri} holds another READY than the one decided now",
                    {"uri": self.facts_view_location.uri},
                ) from error
            return committed
        return view

    def read_facts_view(self) -> FactsView | None:
        data = self._read_optional(self.facts_view_location)
        if data is None:
            return None
        view = parse_ledger_document(FactsView, data, self.facts_view_location.uri)
        self._check_ids(view.platform_run_id, view.scenario_run_id, "run_facts_view")
        return view

    def write_ready_signal(self, message: bytes) -> PutOutcome:
        """Write the exact READY message once; another message already there is READY_SIGNAL_CONFLICT."""
        self._fenced()
        return self._write_once(self.ready_signal_location, message, READY_SIGNAL_CONFLICT)

    def read_ready_signal(self) -> bytes | None:
        return self._read_optional(self.ready_signal_location)

    # Helpers --------------------------------------------------------------------------------------

    def _fenced(self) -> None:
        if self.fence is not None:
            self.fence()

    def _write_once(self, location: S3Location, data: bytes, conflict: ReasonCode) -> PutOutcome:
        try:
            return self.store.put_if_absent(location, data, content_type="application/json")
        except PlatformError as error:
            if error.code != OBJECT_CONFLICT:
                raise
            raise FailClosed(
                conflict,
                f"{location.uri} already holds different bytes; nothing overwritten",
                {"uri": location.uri},
            ) from error

    def _read_optional(self, location: S3Location) -> bytes | None:
        try:
            return self.store.get(location)
        except PlatformError as error:
            if error.code != OBJECT_MISSING:
                raise
            return None

    def _check_ids(self, platform_run_id: str, scenario_run_id: str, what: str) -> None:
        if (platform_run_id, scenario_run_id) != (self.platform_run_id, self.scenario_run_id):
            raise FailClosed(
                SR_LEDGER_INVALID,
                f"a {what} of {platform_run_id}/{scenario_run_id} under the ledger of "
                f"{self.platform_run_id}/{self.scenario_run_id}",
                {"what": what},
            )
