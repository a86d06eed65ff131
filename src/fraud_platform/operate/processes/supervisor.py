"""The supervisor: start the lane's processes from specs, hold them ready, restart the dying, stop all.

Guarantees, each with a deadline so a lane never hangs:
- `start` returns only when every child answered its readiness probe; otherwise PROCESS_NOT_READY
  names the child, its exit code if it died, and its redacted log tail, and that child is stopped.
- `poll` (called from the lane's loop, and by `wait_exit` while it waits) restarts a child that died,
  after its backoff, up to `max_restarts`; past that it raises PROCESS_DIED with exit code and tail.
  A restarted child must pass its probe again; dying before that counts as one more death.
- `stop_all` stops every child by PID (SIGTERM to its group, then SIGKILL after `stop_within_s`), is
  idempotent, and also runs from `__exit__` and `atexit`, so a lane that raises leaves no orphan.
  Children are also started with PR_SET_PDEATHSIG (when started from the main thread): a lane killed
  with SIGKILL takes them with it.

With `record_path`, the evidence (specs and events) is also rewritten there, atomically, after every
event: an operator (or a test that must kill a child at a moment it chose) reads the live PIDs from it
while the lane runs, and a lane killed outright still leaves its children's story on disk.

Polling, not a watcher thread: PDEATHSIG fires when the *starting thread* exits, so restarts must
happen on the lane's own thread, and one thread keeps the event record in a simple order.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.redact import is_secret_key, register_secret
from fraud_platform.core.time import Clock, SystemClock, format_utc
from fraud_platform.operate._reasons import (
    PROCESS_DIED,
    PROCESS_EXIT_TIMEOUT,
    PROCESS_NOT_READY,
    PROCESS_SPEC_INVALID,
)
from fraud_platform.operate.processes.logtail import log_tail
from fraud_platform.operate.processes.record import ProcessEvent, ProcessEventKind
from fraud_platform.operate.processes.spec import ProcessSpec
from fraud_platform.substrate.local.process import exit_code, pid_alive, start_process, stop_process

__all__ = ["Supervisor"]

_POLL_INTERVAL_S = 0.05
_EXIT_POLL_S = 0.005


def _sweep_group(pid: int) -> None:
    """SIGKILL whatever is left in the process group of a child that died on its own.

    A child's own children (an HTTP server's workers) share its group and outlive it; left alone they
    would hold its port against the restart. Safe after the leader is reaped: the kernel never hands
    out a PID that is still some group's ID, so this group can only hold the child's descendants.
    """
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


@dataclass(frozen=True)
class _Died:
    """A child found dead before it was ready; `code` is None only if its status never came."""

    code: int | None


class _State(Enum):
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass
class _Child:
    spec: ProcessSpec
    pid: int
    attempt: int
    started_at: float
    state: _State = _State.RUNNING


class Supervisor:
    """Owns the lane's child processes from start to stop; not thread-safe (one lane thread uses it)."""

    def __init__(
        self, *, clock: Clock | None = None, die_with_parent: bool = True, record_path: Path | None = None
    ) -> None:
        self._clock = clock or SystemClock()
        self._die_with_parent = die_with_parent
        self._record_path = record_path
        self._children: dict[str, _Child] = {}
        self._events: list[ProcessEvent] = []
        self._atexit_registered = False

    @property
    def events(self) -> tuple[ProcessEvent, ...]:
        """Everything that happened so far, in order."""
        return tuple(self._events)

    def evidence(self) -> dict[str, Any]:
        """The specs (without env values) and the events, as the lane writes them into its bundle."""
        return {
            "processes": [child.spec.describe() for child in self._children.values()],
            "events": [event.to_json() for event in self._events],
        }

    def pid(self, name: str) -> int:
        """The current PID of the named child (it changes on restart)."""
        return self._child(name).pid

    def live_pids(self) -> dict[str, int]:
        """Children still running, by name."""
        return {
            name: child.pid
            for name, child in self._children.items()
            if child.state is _State.RUNNING and pid_alive(child.pid, child.spec.executable)
        }

    def start(self, specs: Sequence[ProcessSpec]) -> None:
        """Start each spec in order and wait for it to be ready before starting the next.

        Order matters: IG must answer `/readyz` before WSP starts sending to it. Raises
        PROCESS_SPEC_INVALID for a name already supervised, PROCESS_NOT_READY (child stopped) when a
        child dies or misses its ready deadline, PROCESS_DIED from the `poll` made between starts.
        """
        names = [spec.name for spec in specs]
        clash = sorted({name for name in names if names.count(name) > 1 or name in self._children})
        if clash:
            raise FailClosed(PROCESS_SPEC_INVALID, f"process names not unique: {clash}", {"names": clash})
        for spec in specs:
            self.poll()
            self._register_secrets(spec)
            child = self._launch(spec, attempt=0)
            died_with = self._await_ready(child)
            if died_with is not None:
                raise self._not_ready(child, died_with, "died before it was ready")

    def poll(self) -> None:
        """Check every running child once; restart the dead ones or raise PROCESS_DIED. Blocks only
        for restart backoffs and the restarted child's readiness (both bounded by the spec)."""
        for child in list(self._children.values()):
            if child.state is not _State.RUNNING or pid_alive(child.pid, child.spec.executable):
                continue
            code = self._final_code(child)
            _sweep_group(child.pid)
            if child.spec.expect_exit and code == 0:
                child.state = _State.FINISHED
                self._record(child, ProcessEventKind.EXITED, exit_code=0)
                continue
            self._restart_or_fail(child, code)

    def wait_exit(self, name: str, deadline_s: float) -> ProcessEvent:
        """Wait up to `deadline_s` for the named child (a `expect_exit` spec) to finish with exit 0.

        Keeps polling every child meanwhile, so a failing IG is restarted (or fails the run) while
        WSP streams. A non-zero exit is a death (restarted per policy). Raises PROCESS_EXIT_TIMEOUT
        when still running at the deadline (the child keeps running until `stop_all`).
        """
        child = self._child(name)
        if not child.spec.expect_exit:
            raise FailClosed(
                PROCESS_SPEC_INVALID, f"process {name!r} is not expected to exit", {"process": name}
            )
        deadline = self._clock.monotonic() + deadline_s
        while True:
            self.poll()
            child = self._child(name)
            if child.state is _State.FINISHED:
                return next(e for e in reversed(self._events) if e.name == name)
            if child.state is _State.STOPPED:
                raise FailClosed(
                    PROCESS_DIED,
                    f"process {name!r} was stopped before it finished",
                    self._refs(child, exit_code(child.pid), log_tail(child.spec.log_path)),
                )
            if self._clock.monotonic() >= deadline:
                raise FailClosed(
                    PROCESS_EXIT_TIMEOUT,
                    f"process {name!r} (pid {child.pid}) still running after {deadline_s} s",
                    {"process": name, "pid": child.pid, "log_tail": log_tail(child.spec.log_path)},
                )
            time.sleep(_POLL_INTERVAL_S)

    def stop_all(self) -> None:
        """Stop every running child, last started first: SIGTERM, then SIGKILL past its deadline.

        Idempotent. Every child is attempted even if one survives SIGKILL; the first such failure is
        raised (TransientError SUBSTRATE_STOP_FAILED) after all were tried.
        """
        failure: TransientError | None = None
        for child in reversed(list(self._children.values())):
            if child.state is not _State.RUNNING:
                continue
            try:
                self._stop(child)
            except TransientError as error:
                failure = failure or error
        if self._atexit_registered and failure is None:
            atexit.unregister(self.stop_all)
            self._atexit_registered = False
        if failure is not None:
            raise failure

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    def _child(self, name: str) -> _Child:
        child = self._children.get(name)
        if child is None:
            raise FailClosed(PROCESS_SPEC_INVALID, f"no supervised process named {name!r}", {"process": name})
        return child

    @staticmethod
    def _register_secrets(spec: ProcessSpec) -> None:
        """Secret-named env values are masked in every log tail and error this supervisor emits."""
        for key, value in spec.env.items():
            if is_secret_key(key) and value:
                register_secret(value)

    def _launch(self, spec: ProcessSpec, *, attempt: int) -> _Child:
        if not self._atexit_registered:
            atexit.register(self.stop_all)
            self._atexit_registered = True
        # Attempts share one log; a marker line lets a reader of the tail tell them apart.
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        with spec.log_path.open("a", encoding="utf-8") as log:
            log.write(
                f"--- fp supervisor: {spec.name} attempt {attempt} at {format_utc(self._clock.now())} ---\n"
            )
        pid = start_process(
            spec.argv,
            env=spec.env,
            cwd=spec.cwd,
            log_path=spec.log_path,
            die_with_parent=self._die_with_parent,
        )
        child = _Child(spec=spec, pid=pid, attempt=attempt, started_at=self._clock.monotonic())
        self._children[spec.name] = child
        self._record(child, ProcessEventKind.STARTED if attempt == 0 else ProcessEventKind.RESTARTED)
        return child

    def _await_ready(self, child: _Child) -> _Died | None:
        """None once ready (or, for an `expect_exit` child, finished with exit 0); `_Died` if the
        child died first; PROCESS_NOT_READY at the deadline."""
        deadline = child.started_at + child.spec.deadlines.ready_within_s
        while True:
            if not pid_alive(child.pid, child.spec.executable):
                code = self._final_code(child)
                _sweep_group(child.pid)
                if child.spec.expect_exit and code == 0:
                    child.state = _State.FINISHED
                    self._record(child, ProcessEventKind.EXITED, exit_code=0)
                    return None
                return _Died(code)
            if child.spec.ready.is_ready(self._clock.monotonic() - child.started_at):
                self._record(child, ProcessEventKind.READY)
                return None
            if self._clock.monotonic() >= deadline:
                raise self._not_ready(
                    child, None, f"not ready within {child.spec.deadlines.ready_within_s} s"
                )
            time.sleep(_POLL_INTERVAL_S)

    def _final_code(self, child: _Child) -> int | None:
        """The exit code of a child `pid_alive` just called dead, waiting out the end of its exit.

        A child in the middle of exiting has already lost its command line (so it no longer counts
        as alive) but is not a zombie yet, so its status cannot be collected for a moment; without
        this wait its exit code would be reported unknown (seen under load).
        """
        deadline = self._clock.monotonic() + child.spec.deadlines.kill_within_s
        code = exit_code(child.pid)
        while code is None and self._clock.monotonic() < deadline:
            time.sleep(_EXIT_POLL_S)
            code = exit_code(child.pid)
        return code

    def _not_ready(self, child: _Child, died: _Died | None, why: str) -> FailClosed:
        """Stop the child (no orphan), record NOT_READY, and build the refusal."""
        if died is None:
            self._stop(child)
            code = exit_code(child.pid)
        else:
            code = died.code
        child.state = _State.STOPPED
        tail = log_tail(child.spec.log_path)
        self._record(child, ProcessEventKind.NOT_READY, exit_code=code, detail=why, tail=tail)
        return FailClosed(
            PROCESS_NOT_READY,
            f"process {child.spec.name!r} (pid {child.pid}, attempt {child.attempt}) {why}",
            self._refs(child, code, tail),
        )

    def _restart_or_fail(self, dead: _Child, code: int | None) -> None:
        """Record the death; restart with backoff while the policy allows; else PROCESS_DIED."""
        child = dead
        while True:
            tail = log_tail(child.spec.log_path)
            self._record(child, ProcessEventKind.DIED, exit_code=code, tail=tail)
            restart = child.attempt + 1
            if restart > child.spec.restart.max_restarts:
                child.state = _State.STOPPED
                raise FailClosed(
                    PROCESS_DIED,
                    f"process {child.spec.name!r} died (exit {code}) after {child.attempt} restart(s)",
                    self._refs(child, code, tail),
                )
            time.sleep(child.spec.restart.delay_before(restart))
            child = self._launch(child.spec, attempt=restart)
            died_with = self._await_ready(child)
            if died_with is None:
                return
            code = died_with.code

    def _stop(self, child: _Child) -> None:
        deadlines = child.spec.deadlines
        stopped_now = stop_process(
            child.pid,
            child.spec.executable,
            term_timeout_s=deadlines.stop_within_s,
            kill_timeout_s=deadlines.kill_within_s,
            clock=self._clock,
        )
        child.state = _State.STOPPED
        code = exit_code(child.pid)
        kind = (
            ProcessEventKind.FORCED if stopped_now and code == -signal.SIGKILL else ProcessEventKind.STOPPED
        )
        self._record(child, kind, exit_code=code, detail="" if stopped_now else "had already exited")

    @staticmethod
    def _refs(child: _Child, code: int | None, tail: str) -> dict[str, Any]:
        return {
            "process": child.spec.name,
            "pid": child.pid,
            "attempt": child.attempt,
            "exit_code": code,
            "log_path": str(child.spec.log_path),
            "log_tail": tail,
        }

    def _record(
        self,
        child: _Child,
        kind: ProcessEventKind,
        *,
        exit_code: int | None = None,
        detail: str = "",
        tail: str = "",
    ) -> None:
        self._events.append(
            ProcessEvent(
                name=child.spec.name,
                kind=kind,
                pid=child.pid,
                attempt=child.attempt,
                at_utc=format_utc(self._clock.now()),
                exit_code=exit_code,
                detail=detail,
                log_tail=tail,
            )
        )
        self._write_record()

    def _write_record(self) -> None:
        """Rewrite `record_path` (when set) with the evidence so far: temp file, then atomic rename."""
        if self._record_path is None:
            return
        self._record_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._record_path.with_name(f".{self._record_path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.evidence(), sort_keys=True, indent=1), encoding="utf-8")
        os.replace(temporary, self._record_path)
