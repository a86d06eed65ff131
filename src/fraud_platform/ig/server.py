"""Running IG: one uvicorn server per process, `workers` processes sharing one listening socket.

With `workers > 1` the parent binds the socket and starts that many spawned workers on it, the way
uvicorn's own multiprocess supervisor does, but each worker builds its runtime from the profile
*name* it is handed (the profile's pins and credentials are loaded in the worker, never pickled), so
no secret crosses a process boundary. Workers share nothing but the state store: the dedupe claims
there are what makes two workers (or two hosts) safe on the same batch. Workers die with the parent
(PR_SET_PDEATHSIG), so a SIGKILLed supervisor leaves nothing behind.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import signal
import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI

from fraud_platform.config import load_profile
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.gc_settle import settle_garbage_collector
from fraud_platform.ig.admission import warm_payload_columns
from fraud_platform.ig.app import create_app
from fraud_platform.ig.runtime import IgRuntime
from fraud_platform.ig.settings import IgSettings
from fraud_platform.obs.logging import configure_logging, log_event

__all__ = ["serve"]

_PR_SET_PDEATHSIG = 1


def _run(
    profile_name: str, rehearsal: bool, settings: IgSettings, host: str, port: int, sock: socket.socket | None
) -> None:
    runtime = IgRuntime.open(load_profile(profile_name, rehearsal=True if rehearsal else None), settings)
    config = _config(create_app(runtime), host, port)
    warm_payload_columns()  # before the collector settles, so the catalogue is frozen with the rest
    settle_garbage_collector()
    logger = configure_logging("ig", None, "/dev/stderr")
    log_event(logger, "ig_started", holder=runtime.holder, host=config.host, port=config.port)
    # uvicorn re-raises the SIGTERM/SIGINT it captured once it has shut down, under the handler that
    # was installed before it: a handler that returns lets this process emit its stop facts first.
    signal.signal(signal.SIGTERM, _after_shutdown)
    signal.signal(signal.SIGINT, _after_shutdown)
    try:
        uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)
    finally:
        try:
            runtime.close()
        except PlatformError as error:
            log_event(
                logger, "ig_stop_facts_failed", level=logging.WARNING, code=error.code, detail=error.detail
            )
        log_event(logger, "ig_stopped", holder=runtime.holder)


def _after_shutdown(_signum: int, _frame: FrameType | None) -> None:
    """The signal uvicorn re-raises after its graceful shutdown: nothing left to do but return."""


def _worker(
    profile_name: str, rehearsal: bool, settings: IgSettings, host: str, port: int, sock: socket.socket
) -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    _run(profile_name, rehearsal, settings, host, port, sock)


def _config(app: FastAPI | str, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app=app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )


def serve(
    profile_name: str, *, rehearsal: bool, host: str, port: int, workers: int, settings: IgSettings
) -> None:
    """Serve until SIGINT/SIGTERM; blocks. Loads the profile in every process that serves."""
    if workers <= 1:
        _run(profile_name, rehearsal, settings, host, port, None)
        return
    # Only the socket is taken from this config: each worker builds its own app.
    sock = _config("fraud_platform.ig.app:create_app", host, port).bind_socket()
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_worker, args=(profile_name, rehearsal, settings, host, port, sock), daemon=False
        )
        for _ in range(workers)
    ]
    for child in children:
        child.start()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for child in children:
        child.join()
    sock.close()
