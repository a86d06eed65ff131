"""The one compare-and-swap loop for documents that track a *latest* state in the object store.

A latest-state document (`preflight.json`, `telemetry.json`, a pointer, a status) moves by
compare-and-swap: read its bytes and ETag, decide the next bytes from what was read, write them
with `If-Match` on that ETag (or `If-None-Match: *` when it was absent). A lost race means someone
else moved it in between: re-read and decide again. Every such loop in the platform is this one,
so the order "read first, then decide, then swap" and the retry bound hold everywhere.

`update_fn` receives the current bytes (None when absent) and returns the bytes to write, or None
to leave the document as it is (it already says what it should, or says something newer). It is
called after the read of each attempt, so anything it reads itself (immutable objects, listings)
is at least as new as the document it was given; it must not write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fraud_platform.core.errors import PlatformError, TransientError
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.substrate._reasons import OBJECT_CAS_CONFLICT, OBJECT_MISSING, OBJECT_WRITE_CONTENDED
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = ["DEFAULT_CAS_ATTEMPTS", "CasOutcome", "cas_update", "read_with_etag"]

DEFAULT_CAS_ATTEMPTS = 8
"""Attempts before giving up: each lost attempt means another writer made progress."""


@dataclass(frozen=True)
class CasOutcome:
    """What stands after :func:`cas_update`.

    `data`/`etag` are the document as it now is (None/None: absent and left absent); `written`
    says whether this call wrote it; `attempts` counts the read-decide-swap rounds used.
    """

    data: bytes | None
    etag: str | None
    written: bool
    attempts: int


def read_with_etag(store: ObjectStore, location: S3Location) -> tuple[bytes | None, str | None]:
    """The document's bytes and ETag, or (None, None) when it does not exist (one GET, no HEAD)."""
    try:
        return store.get_with_etag(location)
    except PlatformError as error:
        if error.code != OBJECT_MISSING:
            raise
        return None, None


def cas_update(
    store: ObjectStore,
    location: S3Location,
    update_fn: Callable[[bytes | None], bytes | None],
    *,
    attempts: int = DEFAULT_CAS_ATTEMPTS,
    contended_code: ReasonCode = OBJECT_WRITE_CONTENDED,
) -> CasOutcome:
    """Move `location` to `update_fn(current)` by compare-and-swap, retrying lost races.

    Blocking. Idempotent when `update_fn` is (returning the current bytes, or None, writes nothing).
    Errors raised by `update_fn` or the store (other than a lost swap) propagate unchanged.

    Raises:
        TransientError(contended_code): `attempts` swaps in a row lost to concurrent writers
            (default OBJECT_WRITE_CONTENDED; callers pass their own transient code).
    """
    if attempts < 1:
        raise ValueError("cas_update needs at least one attempt")
    for attempt in range(1, attempts + 1):
        current, etag = read_with_etag(store, location)
        wanted = update_fn(current)
        if wanted is None or wanted == current:
            return CasOutcome(current, etag, written=False, attempts=attempt)
        try:
            new_etag = store.put_if_match(location, wanted, etag)
        except PlatformError as error:
            if error.code != OBJECT_CAS_CONFLICT:
                raise
            continue
        return CasOutcome(wanted, new_etag, written=True, attempts=attempt)
    raise TransientError(
        contended_code,
        f"{location.uri} kept moving under concurrent writers ({attempts} compare-and-swap attempts lost)",
        {"location": location.uri, "attempts": attempts},
    )
