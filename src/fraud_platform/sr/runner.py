"""The Scenario Runner: the only run-readiness authority.

    submit(request) ─ platform run known & open? ─ pins resolved? ─ plan computed (deterministic)
        └─ registry insert-if-absent (same key: same platform run and intent, or refused)
        └─ terminal & published? → report, touch nothing
        └─ lease acquired? no → report the current status (another caller drives)
              yes → ACCEPTED → plan (write-once) → PLANNED → evidence (Oracle consumer check)
                    → READY: facts view → status READY → ready_signal → publish → record
                    → WAITING_EVIDENCE (until the deadline, then FAILED) | QUARANTINED

A resubmission or `evaluate` re-runs the same loop on the existing run: the plan must come out
byte-identical (no drift), the status only moves forwards, and whatever a crash left half-done is
finished (facts view without status, READY without a confirmed publication). A run already terminal
(QUARANTINED/FAILED, or READY and published) is reported without a single write. The lease is short
(DEFAULT_LEASE_S), renewed before every ledger write (the fence: a driver whose lease lapsed or was
taken over gets SR_LEASE_LOST and writes nothing) and by a heartbeat during the evidence check; it
is released on every normal or refused exit; a crash leaves it to expire within one TTL.
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from fraud_platform.config.faults import sr_pause
from fraud_platform.config.rehearsal import run_flags
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.time import Clock, SystemClock, format_utc
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.obs.emitter import FactEmitter
from fraud_platform.oracle.check import PackRoot, PointerEntry, read_pointer
from fraud_platform.sr.authority import AuthorityStore, RegistryEntry
from fraud_platform.sr.decide import AFTER_FACTS_VIEW, AFTER_STATUS_READY, EvidenceStep, FaultHook
from fraud_platform.sr.documents import OraclePinsDoc, RunFlags, RunPlan, RunStatus
from fraud_platform.sr.facts import SR_READY_PUBLISHED, SR_RUN_ACCEPTED
from fraud_platform.sr.identity import intent_fingerprint, run_config_digest, scenario_run_id
from fraud_platform.sr.journal import RunJournal
from fraud_platform.sr.lease import LeaseKeeper
from fraud_platform.sr.ledger import SrLedger
from fraud_platform.sr.lookup import registered_run
from fraud_platform.sr.outcome import RunRequest, SrOutcome, outcome_code
from fraud_platform.sr.pins import OraclePins, PointerReader, resolve_pins
from fraud_platform.sr.platform_runs import check_platform_run
from fraud_platform.sr.policy import effective_policy, intended_outputs
from fraud_platform.sr.publish import PUBLISH_EVENTS, delivery_json, prepare_ready, produce_ready
from fraud_platform.sr.states import TERMINAL_STATES, RunState
from fraud_platform.sr.transitions import Transitions
from fraud_platform.substrate.bus.port import BusProducer
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["AFTER_FACTS_VIEW", "AFTER_STATUS_READY", "DEFAULT_LEASE_S", "FaultHook", "ScenarioRunner"]

DEFAULT_LEASE_S = 10.0
"""How long a lease lasts without renewal: a SIGKILLed driver blocks its run for at most this long."""


def _pause_hook(profile: Profile) -> FaultHook | None:
    """The test-only pause of `FP_TEST_SR_PAUSE_AT` (config.faults), or None: lets a test kill a real
    `fp sr submit` at a known commit point while it holds the lease (refused on a real dev_min)."""
    pause = sr_pause(profile)
    if pause is None:
        return None

    def hook(point: str) -> None:
        if point == pause.point:
            pause.wait()

    return hook


class ScenarioRunner:
    """Submit, evaluate and re-emit scenario runs for one profile.

    Thread-safe: several threads (or processes) may submit the same key at once; the registry and
    the lease decide who drives. Every call blocks until its outcome is known.
    """

    def __init__(
        self,
        profile: Profile,
        store: ObjectStore,
        producer: BusProducer,
        authority: AuthorityStore,
        *,
        clock: Clock | None = None,
        emitter: FactEmitter | None = None,
        pointer: PointerReader | None = None,
        lease_s: float = DEFAULT_LEASE_S,
        faults: FaultHook | None = None,
        topic: str = CONTROL_TOPIC,
        actor: str = "sr",
    ) -> None:
        self.profile = profile
        self.store = store
        self.producer = producer
        self.authority = authority
        self.clock: Clock = clock or SystemClock()
        self.emitter = emitter or FactEmitter(
            store, producer, profile.object_store.evidence_bucket, clock=self.clock
        )
        self.pointer: PointerReader = pointer or self._read_pointer
        self.lease_s = lease_s
        self.topic = topic
        self.actor = actor
        self.journal = RunJournal(profile, self.clock, self.emitter, actor)
        self.transitions = Transitions(self.clock, self.journal)
        self.evidence = EvidenceStep(store, self.transitions, faults or _pause_hook(profile))

    @property
    def bucket(self) -> str:
        return self.profile.object_store.object_store_bucket

    def ledger(self, platform_run_id: str, scenario_run_id_value: str) -> SrLedger:
        """The ledger of one scenario run in this profile's object-store bucket."""
        return SrLedger(self.store, self.bucket, platform_run_id, scenario_run_id_value)

    # Public API -----------------------------------------------------------------------------------

    def submit(self, request: RunRequest) -> SrOutcome:
        """Accept (or re-accept) a run request and drive it as far as the evidence allows.

        Refusals raise FailClosed before anything is written: RUN_ID_INVALID, PLATFORM_RUN_UNKNOWN,
        PLATFORM_RUN_STALE, the ORACLE_* pin codes, OUTPUT_UNKNOWN / OUTPUT_NOT_STREAMED,
        EQUIV_KEY_COLLISION, PLATFORM_RUN_MISMATCH. Evidence outcomes are returned, not raised.
        """
        check_platform_run(self.store, self.profile, request.platform_run_id)
        srid = scenario_run_id(request.run_equivalence_key)
        pins = resolve_pins(
            self.profile,
            self.pointer,
            requested_root=request.pack_root,
            requested_scenario=request.scenario_id,
        )
        outputs = intended_outputs(request.outputs)
        plan = self._plan(request.platform_run_id, srid, request.run_equivalence_key, pins, outputs)
        entry = RegistryEntry(
            scenario_run_id=srid,
            run_equivalence_key=request.run_equivalence_key,
            platform_run_id=request.platform_run_id,
            intent_fingerprint=plan.intent_fingerprint,
            request={"oracle": plan.oracle.model_dump(mode="json"), "outputs": list(outputs)},
            accepted_at_utc=format_utc(self.clock.now()),
        )
        registration = self.authority.register(entry)
        return self._drive(plan, registered=registration.created, event="SUBMITTED")

    def evaluate(self, scenario_run_id_value: str, *, platform_run_id: str | None = None) -> SrOutcome:
        """Re-evaluate an existing run from its recorded request (no new pins, no new plan)."""
        entry = self._registered(scenario_run_id_value, platform_run_id)
        check_platform_run(self.store, self.profile, entry.platform_run_id)
        oracle = OraclePinsDoc.model_validate(entry.request["oracle"])
        pins = OraclePins(oracle.pack_root, oracle.scenario_id, oracle.stream_view_root, "registry")
        plan = self._plan(
            entry.platform_run_id,
            entry.scenario_run_id,
            entry.run_equivalence_key,
            pins,
            tuple(entry.request["outputs"]),
        )
        return self._drive(plan, registered=False, event="EVALUATED")

    # Planning -------------------------------------------------------------------------------------

    def _plan(
        self, platform_run_id: str, srid: str, key: str, pins: OraclePins, outputs: tuple[str, ...]
    ) -> RunPlan:
        """The deterministic plan: no time, no host; the same request always gives the same bytes."""
        policy = effective_policy(self.profile, outputs)
        digest = run_config_digest(policy)
        root = PackRoot.parse(pins.pack_root)
        views = pins.stream_view_root[len(root.uri) :] if pins.stream_view_root else None
        intent = intent_fingerprint(
            {"pack": root.prefix, "scenario_id": pins.scenario_id},
            outputs,
            {"run_config_digest": digest, "stream_view_root": views},
        )
        flags = run_flags(self.profile)
        return RunPlan(
            platform_run_id=platform_run_id,
            scenario_run_id=srid,
            run_equivalence_key=key,
            intent_fingerprint=intent,
            oracle=OraclePinsDoc(
                pack_root=pins.pack_root, scenario_id=pins.scenario_id, stream_view_root=pins.stream_view_root
            ),
            intended_outputs=list(outputs),
            policy=policy,
            run_config_digest=digest,
            evidence_deadline_s=self.profile.budgets.sr_evidence_deadline_s,
            flags=RunFlags(profile=str(flags["profile"]), rehearsal=bool(flags["rehearsal"])),
        )

    # Driving --------------------------------------------------------------------------------------

    def _drive(self, plan: RunPlan, *, registered: bool, event: str) -> SrOutcome:
        ledger = self.ledger(plan.platform_run_id, plan.scenario_run_id)
        found = ledger.read_status()
        if found is not None and found[0].state in TERMINAL_STATES:
            status = found[0]
            published = self._published(ledger)
            if status.state is not RunState.READY or published:
                self._check_plan(ledger, plan)
                return self._outcome(ledger, status, registered=registered, published=published)
        lease = self.authority.acquire_lease(
            plan.scenario_run_id, secrets.token_hex(16), self.clock.now(), self.lease_s
        )
        if lease is None:
            current = ledger.read_status()
            return self._outcome(
                ledger,
                current[0] if current is not None else None,
                registered=registered,
                published=self._published(ledger),
                elsewhere=True,
            )
        keeper = LeaseKeeper(self.authority, lease, self.clock, self.lease_s)
        fenced = dataclasses.replace(ledger, fence=keeper.fence)
        try:
            self.journal.record(fenced, event, None, refs={"registered": registered})
            outcome = self._lead(fenced, plan, registered, keeper)
        except PlatformError:
            keeper.release()
            raise
        keeper.release()
        return outcome

    def _lead(self, ledger: SrLedger, plan: RunPlan, registered: bool, keeper: LeaseKeeper) -> SrOutcome:
        """Under the lease: finish whatever the run needs next, then report.

        `leader` in the outcome means this call moved the run (a status move or a publication): a
        caller that takes the lease only after the driver finished finds nothing to do and is not one.
        """
        found = ledger.read_status()
        if found is None:
            status, etag = self.transitions.create(ledger, plan)
        else:
            status, etag = found
        start_version = found[0].version if found is not None else 0
        plan_ref = self._check_plan(ledger, plan)
        if status.state is RunState.ACCEPTED:
            status, etag = self.transitions.move(
                ledger, status, etag, RunState.PLANNED, "PLANNED", plan_ref=plan_ref
            )
            self.journal.fact(
                ledger,
                SR_RUN_ACCEPTED,
                {
                    "intent_fingerprint": plan.intent_fingerprint,
                    "run_config_digest": plan.run_config_digest,
                    "plan_ref": plan_ref,
                },
            )
        if status.state in (RunState.PLANNED, RunState.WAITING_EVIDENCE):
            with keeper.heartbeat():
                status, etag = self.evidence.run(ledger, plan, status, etag)
        delivery: dict[str, Any] | None = None
        detail = ""
        acted = status.version != start_version
        # A READY committed by this very call cannot have been published yet: skip the listing.
        was_ready = found is not None and found[0].state is RunState.READY
        published = was_ready and self._published(ledger)
        if status.state is RunState.READY and not published:
            delivery, detail = self._publish(ledger, status)
            published, acted = delivery is not None, True
        return self._outcome(
            ledger,
            status,
            registered=registered,
            published=published,
            leader=acted,
            delivery=delivery,
            detail=detail,
        )

    def _check_plan(self, ledger: SrLedger, plan: RunPlan) -> str:
        """Write the plan once; an existing run must re-plan to the same bytes (else SR_PLAN_DRIFT)."""
        ledger.write_plan(plan)
        return ledger.plan_location.uri

    def _publish(self, ledger: SrLedger, status: RunStatus) -> tuple[dict[str, Any] | None, str]:
        """Publish READY; a failed publication leaves READY committed and is reported, not raised."""
        ready = prepare_ready(ledger, status, self.topic)
        try:
            delivery = produce_ready(self.producer, ready, scenario_run_id=ledger.scenario_run_id)
        except PlatformError as error:
            self.journal.record(
                ledger, "READY_PUBLISH_FAILED", RunState.READY, reason=str(error.code), detail=error.detail
            )
            self.journal.log(
                "sr_ready_publish_failed", ledger, code=str(error.code), message_id=ready.message_id
            )
            return None, f"{error.code}: {error.detail}"
        refs = {"message_id": ready.message_id, **delivery_json(delivery)}
        self.journal.record(ledger, "READY_PUBLISHED", RunState.READY, refs=refs)
        self.journal.fact(ledger, SR_READY_PUBLISHED, refs)
        return delivery_json(delivery), ""

    # Ledger helpers -------------------------------------------------------------------------------

    def _published(self, ledger: SrLedger) -> bool:
        return any(event in PUBLISH_EVENTS for event in ledger.record_events())

    def _registered(self, scenario_run_id_value: str, platform_run_id: str | None) -> RegistryEntry:
        return registered_run(self.authority, scenario_run_id_value, platform_run_id)

    def _read_pointer(self) -> PointerEntry | None:
        found = read_pointer(self.store, self.bucket, self.profile.profile)
        return found[0] if found is not None else None

    def _outcome(
        self,
        ledger: SrLedger,
        status: RunStatus | None,
        *,
        registered: bool,
        published: bool,
        leader: bool = False,
        elsewhere: bool = False,
        delivery: dict[str, Any] | None = None,
        detail: str = "",
    ) -> SrOutcome:
        state = status.state if status is not None else RunState.ACCEPTED
        refs = {"status": ledger.status_location.uri, "plan": ledger.plan_location.uri}
        if status is not None and status.facts_view_ref:
            refs["facts_view"] = status.facts_view_ref
            refs["ready_signal"] = ledger.ready_signal_location.uri
        return SrOutcome(
            platform_run_id=ledger.platform_run_id,
            scenario_run_id=ledger.scenario_run_id,
            state=state,
            code=outcome_code(state, status, published=published, driving_elsewhere=elsewhere),
            leader=leader,
            registered=registered,
            message_id=status.message_id if status is not None else None,
            published=published,
            reasons=tuple(status.failures) if status is not None else (),
            refs=refs,
            delivery=delivery,
            detail=detail or (status.detail if status is not None else ""),
        )
