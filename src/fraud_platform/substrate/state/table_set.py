"""Create a component's tables once per engine per process, settling a concurrent CREATE race.

SR, IG and WSP each declare their tables on a MetaData of their own and create them on first use.
Two processes creating them at once can race (the loser's `CREATE TABLE` fails); its second attempt
then finds them, so one retry settles it. One class does this for every component.
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import Engine, MetaData

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.state.errors import map_state_errors

__all__ = ["TableSet"]


class TableSet:
    """A MetaData's tables, created at most once per engine in this process (thread-safe)."""

    def __init__(self, metadata: MetaData, label: str) -> None:
        self._metadata = metadata
        self._label = label
        self._ready: weakref.WeakSet[Engine] = weakref.WeakSet()
        self._lock = threading.Lock()

    def ensure(self, engine: Engine) -> None:
        """Create the tables if absent; idempotent; raises the state store's FailClosed on a second failure."""
        with self._lock:
            if engine in self._ready:
                return
            for attempt in (1, 2):
                try:
                    with map_state_errors(f"create {self._label} tables"):
                        self._metadata.create_all(engine, checkfirst=True)
                    break
                except FailClosed:
                    if attempt == 2:
                        raise
            self._ready.add(engine)
