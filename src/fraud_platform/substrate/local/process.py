"""Start and stop substrate processes by PID, each in its own session and process group.

Why a process group: `down` signals the whole group, so any child a substrate spawns dies with it.
Why the executable check: a PID in the state file may have been reused by an unrelated process
after a reboot or crash; we only ever signal a PID whose `/proc/<pid>/cmdline` still starts with
the binary we launched. Processes this interpreter started are kept in `_CHILDREN` so that they are
reaped (no zombies that look alive) and so that a test session can stop any leftovers.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from fraud_platform.core.errors import TransientError
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.substrate.local._reasons import SUBSTRATE_START_FAILED, SUBSTRATE_STOP_FAILED

__all__ = ["exit_code", "find_pids", "pid_alive", "start_process", "started_pids", "stop_process"]

_PR_SET_PDEATHSIG = 1
_POLL_INTERVAL_S = 0.05
_EXEC_POLL_S = 0.001
_EXEC_TIMEOUT_S = 10.0
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}
_EXECUTABLES: dict[int, str] = {}
_EXIT_CODES: dict[int, int] = {}


def _die_with_parent() -> None:
    """preexec hook: the kernel SIGKILLs the child if the starting thread dies (test sessions only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def start_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    die_with_parent: bool = False,
) -> int:
    """Start `argv` detached (new session), stdout+stderr appended to `log_path`; returns its PID.

    `env` is the complete environment of the child (nothing is inherited), so a stray variable in
    the caller's shell cannot reconfigure a substrate. With `die_with_parent` the child is killed
    when this process dies (only when called on the main thread), which is what a test session
    wants and a CLI `up` must not have.

    Returns only once `/proc/<pid>/cmdline` names `argv[0]` (or the child already exited), so a
    `pid_alive(pid, argv[0])` right after it is true. `Popen` itself returns as soon as the close-on-
    exec pipe closes, which the kernel does at exec's point of no return, *before* the new image's
    argv is mapped: for that instant `/proc/<pid>/cmdline` is empty, and a caller checking the PID then
    saw a live child as dead (measured: 48 of 300 immediate checks on this machine).

    Raises TransientError(SUBSTRATE_START_FAILED) if the child neither shows its argv nor exits
    within 10 s (the child is killed then).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        child = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # PDEATHSIG fires when the starting *thread* exits, so only the main thread may use it.
            preexec_fn=_die_with_parent if die_with_parent and _on_main_thread() else None,
        )
    _CHILDREN[child.pid] = child
    _EXECUTABLES[child.pid] = str(argv[0])
    _EXIT_CODES.pop(child.pid, None)
    _await_exec(child, str(argv[0]))
    return child.pid


def _await_exec(child: subprocess.Popen[bytes], executable: str) -> None:
    """Block until the child's cmdline shows `executable` (exec finished) or the child has exited."""
    deadline = SystemClock().monotonic() + _EXEC_TIMEOUT_S
    while child.poll() is None and _cmdline_exe(child.pid) != executable:
        if SystemClock().monotonic() >= deadline:
            _signal_group(child.pid, signal.SIGKILL)
            child.wait(timeout=_EXEC_TIMEOUT_S)
            _forget_if_exited(child.pid)
            raise TransientError(
                SUBSTRATE_START_FAILED,
                f"pid {child.pid} never showed {executable} as its command line",
                {"pid": child.pid, "executable": executable},
            )
        time.sleep(_EXEC_POLL_S)


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _cmdline_exe(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return raw.split(b"\0", 1)[0].decode(errors="replace") if raw else None


def pid_alive(pid: int, executable: str) -> bool:
    """Whether `pid` runs (not a zombie) and is still the `executable` we started."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        return False
    state = _proc_state(pid)
    if state is None or state in ("Z", "X"):
        return False
    return _cmdline_exe(pid) == executable


def _wait_gone(pid: int, executable: str, deadline: float, clock: Clock) -> bool:
    while clock.monotonic() < deadline:
        if not pid_alive(pid, executable):
            return True
        time.sleep(_POLL_INTERVAL_S)
    return not pid_alive(pid, executable)


def _signal_group(pid: int, signum: signal.Signals) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        return


def stop_process(
    pid: int,
    executable: str,
    *,
    term_timeout_s: float = 15.0,
    kill_timeout_s: float = 5.0,
    clock: Clock | None = None,
) -> bool:
    """Stop the process group led by `pid`: SIGTERM, wait, then SIGKILL; idempotent.

    Returns False when the PID was already gone (or belongs to someone else now), True when this
    call stopped it. Raises TransientError(SUBSTRATE_STOP_FAILED) if it survives SIGKILL.
    """
    clock = clock or SystemClock()
    if not pid_alive(pid, executable):
        _forget_if_exited(pid)
        return False
    _signal_group(pid, signal.SIGTERM)
    if not _wait_gone(pid, executable, clock.monotonic() + term_timeout_s, clock):
        _signal_group(pid, signal.SIGKILL)
        if not _wait_gone(pid, executable, clock.monotonic() + kill_timeout_s, clock):
            raise TransientError(SUBSTRATE_STOP_FAILED, f"pid {pid} ({executable}) survived SIGKILL")
    # The leader is gone; anything left in its group is an orphaned child of the substrate.
    _signal_group(pid, signal.SIGKILL)
    child = _CHILDREN.get(pid)
    if child is not None:
        child.wait(timeout=kill_timeout_s)
    _forget_if_exited(pid)
    return True


def _forget_if_exited(pid: int) -> None:
    """Drop a child we started from the registry once it has been reaped (never while running)."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        _EXIT_CODES[pid] = child.returncode
        del _CHILDREN[pid]
        _EXECUTABLES.pop(pid, None)


def exit_code(pid: int) -> int | None:
    """The exit status of a child this interpreter started; None while it runs or if never ours.

    Negative means killed by that signal (the `subprocess` convention). Kept after `stop_process`
    forgets the child, so a supervisor can still report how its child ended.
    """
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll()
    return _EXIT_CODES.get(pid)


def started_pids() -> dict[int, str]:
    """PIDs this interpreter started and has not seen stopped, with their executables."""
    return {pid: _EXECUTABLES[pid] for pid, child in _CHILDREN.items() if child.poll() is None}


def _cwd(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def find_pids(executable: str, *, cwd: Path) -> list[int]:
    """Live PIDs running `executable` with working directory `cwd`.

    Every substrate process runs in a directory of its own FP_HOME, so this finds processes of
    that FP_HOME that the state file does not know (an `up` killed between spawn and record).
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid_alive(pid, executable) and _cwd(pid) == str(cwd.resolve()):
            found.append(pid)
    return sorted(found)
