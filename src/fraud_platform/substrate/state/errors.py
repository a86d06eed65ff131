"""Translation of SQLAlchemy / driver errors into the platform's error tree, in one place.

    connection refused, pool timeout, server gone, "database is locked"/busy, disk I/O
                                               → TransientError(STATE_STORE_UNAVAILABLE)
    any other statement failure (constraint, missing table, syntax)
                                               → FailClosed(STATE_STORE_FAILED)

SQLite reports both kinds as `OperationalError`, so the SQLite messages that mean "busy or
unreachable" are told apart from the ones that mean "this statement is wrong". Details never carry
the DSN (it may hold a password); statement parameters are not included either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.substrate._reasons import STATE_STORE_FAILED, STATE_STORE_UNAVAILABLE

__all__ = ["map_state_errors"]

_SQLITE_TRANSIENT_MARKERS = (
    "database is locked",
    "database table is locked",
    "busy",
    "unable to open",
    "disk i/o",
)


def _is_transient(error: exc.SQLAlchemyError) -> bool:
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError | exc.InterfaceError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.OperationalError):
        module = type(error.orig).__module__ if error.orig is not None else ""
        if module.startswith("sqlite3"):
            message = str(error.orig).lower()
            return any(marker in message for marker in _SQLITE_TRANSIENT_MARKERS)
        return True
    return False


@contextmanager
def map_state_errors(where: str) -> Iterator[None]:
    """Translate every SQLAlchemy error raised inside the block; `where` names the operation."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        driver_message = str(error.orig) if isinstance(error, exc.DBAPIError) else str(error)
        detail = (
            f"{where}: {type(error).__name__}: {driver_message.splitlines()[0] if driver_message else ''}"
        )
        refs = {"where": where, "error": type(error).__name__}
        if _is_transient(error):
            raise TransientError(STATE_STORE_UNAVAILABLE, detail, refs) from error
        raise FailClosed(STATE_STORE_FAILED, detail, refs) from error
