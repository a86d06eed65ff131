"""The evidence layout of one run and the write-once helpers every evidence writer shares.

Everything a run leaves behind lives under `evidence/runs/{platform_run_id}/` in the evidence bucket
(CONTRACTS.md). Keys are built here and nowhere else, so a reader and a writer cannot disagree on a
path. Every object is written once (`put_if_absent`); the few documents that track a *latest* state
(`preflight.json`, `telemetry.json`) move by compare-and-swap and are always derivable from the
immutable objects next to them.

Naming rule: no directory shares its name with the stem of a sibling file (`telemetry_parts/`, not
`telemetry/` beside `telemetry.json`). SeaweedFS lists a directory before a file whose name it
prefixes, against S3's byte order ('.' sorts before '/'), and the object-store adapter refuses such
an out-of-order listing, so that layout could not be listed on the local substrate.

Sequences (`preflight_attempts/`, `telemetry_parts/`, SR's `run_record/{id}/`) are append-only
folders of `{seq:06d}.json` objects numbered 1, 2, 3… without gaps: the key is the bare number (the
conditional PUT on it *is* the claim), the event lives in the body, and an append finds the next
number without listing the folder (:func:`append_to_sequence`). Objects written under the former
`{seq:06d}-{event}.json` names are not seen by the new numbering: do not append to such a run.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.obs._reasons import EVIDENCE_SEQ_EXHAUSTED, EVIDENCE_SEQ_INVALID, RUN_ID_INVALID
from fraud_platform.substrate._reasons import OBJECT_CONFLICT
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "OBJECT_CONFLICT_CODE",
    "RUN_ID_FORMAT",
    "RUN_ID_REGEX",
    "RunEvidence",
    "append_to_sequence",
    "put_next_in_sequence",
    "sequence_key",
    "sequence_number",
    "validate_platform_run_id",
]

RUN_ID_FORMAT = "platform_%Y%m%dT%H%M%SZ"
"""`strftime` form of a platform_run_id: `platform_YYYYMMDDTHHMMSSZ` (UTC, second resolution)."""

OBJECT_CONFLICT_CODE = OBJECT_CONFLICT
"""The code the object-store port raises when a write-once key already holds different bytes."""

RUN_ID_REGEX = r"^platform_\d{8}T\d{6}Z$"
"""The shape of a platform_run_id, for pydantic `Field(pattern=…)` and JSON Schemas."""

_RUN_ID_PATTERN = re.compile(RUN_ID_REGEX)
_SEQ_WIDTH = 6
_SEQ_EXTENSION = ".json"
_MAX_SEQ = 999_999  # the largest number that fits _SEQ_WIDTH digits
_SEQ_NAME = re.compile(r"^(\d{6})\.json$")
_CONFLICTS_BEFORE_SEARCH = 4


def validate_platform_run_id(value: str) -> str:
    """Return `value` if it is a well-formed platform_run_id, else raise FailClosed(RUN_ID_INVALID).

    The id ends up in S3 keys and Kafka keys, so anything else (a path fragment, a blank) is refused
    before it can name an object.
    """
    if not isinstance(value, str) or not _RUN_ID_PATTERN.match(value):
        raise FailClosed(RUN_ID_INVALID, f"{value!r} is not platform_YYYYMMDDTHHMMSSZ")
    try:
        datetime.strptime(value, RUN_ID_FORMAT)
    except ValueError as error:
        raise FailClosed(RUN_ID_INVALID, f"{value!r} is not a real UTC second") from error
    return value


@dataclass(frozen=True)
class RunEvidence:
    """Where the evidence of one run lives: `s3://{bucket}/evidence/runs/{platform_run_id}/…`."""

    bucket: str
    platform_run_id: str

    def __post_init__(self) -> None:
        validate_platform_run_id(self.platform_run_id)

    @property
    def prefix(self) -> S3Location:
        """The run's evidence prefix (ends with `/`)."""
        return S3Location(self.bucket, f"evidence/runs/{self.platform_run_id}/")

    @property
    def run_manifest(self) -> S3Location:
        """`run.json`: written once when the id is minted; its existence is what makes the run known."""
        return self.prefix.child("run.json")

    @property
    def preflight(self) -> S3Location:
        """`preflight.json`: the latest preflight verdict (compare-and-swap)."""
        return self.prefix.child("preflight.json")

    @property
    def preflight_attempts(self) -> S3Location:
        """Prefix of the immutable preflight attempts `preflight_attempts/{seq:06d}.json`."""
        return self.prefix.child("preflight_attempts/")

    @property
    def governance(self) -> S3Location:
        """Prefix of every governance fact of the run."""
        return self.prefix.child("governance/")

    def fact(self, family: str, event_id: str) -> S3Location:
        """`governance/{family}/{event_id}.json`: one immutable object per fact."""
        return self.prefix.child(f"governance/{family}/{event_id}.json")

    @property
    def telemetry_parts(self) -> S3Location:
        """Prefix of the immutable telemetry parts `telemetry_parts/{seq:06d}.json` (phase in the body)."""
        return self.prefix.child("telemetry_parts/")

    @property
    def telemetry_rollup(self) -> S3Location:
        """`telemetry.json`: the sum of every part so far (compare-and-swap, derivable from the parts)."""
        return self.prefix.child("telemetry.json")


def sequence_key(prefix: S3Location, seq: int) -> S3Location:
    """`{prefix}{seq:06d}.json`: the key of number `seq` of a sequence (the bare number, nothing else)."""
    if not 1 <= seq <= _MAX_SEQ:
        raise FailClosed(EVIDENCE_SEQ_INVALID, f"sequence number {seq} is outside 1..{_MAX_SEQ}")
    return prefix.child(f"{seq:0{_SEQ_WIDTH}d}{_SEQ_EXTENSION}")


def sequence_number(key: str) -> int | None:
    """The number of a sequence key (`…/000042.json` → 42), None for any other name."""
    match = _SEQ_NAME.match(key.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


class _Hints:
    """Per process: the highest number this process saw taken under each prefix (a lower bound).

    Only ever a hint: the conditional PUT decides, so a stale hint costs one conflict, never a
    wrong claim. Bounded, so a long-lived process appending to many runs keeps little.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._known: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, prefix: S3Location) -> int | None:
        with self._lock:
            return self._known.get((prefix.bucket, prefix.key))

    def taken(self, prefix: S3Location, seq: int) -> None:
        key = (prefix.bucket, prefix.key)
        with self._lock:
            self._known[key] = max(seq, self._known.get(key, 0))
            self._known.move_to_end(key)
            while len(self._known) > self._capacity:
                self._known.popitem(last=False)


_HINTS = _Hints()


def _is_taken(store: ObjectStore, prefix: S3Location, seq: int) -> bool:
    return store.head(sequence_key(prefix, seq)) is not None


def _first_free(store: ObjectStore, prefix: S3Location, known_taken: int) -> int:
    """The first free number after `known_taken`, by galloping then bisecting HEADs (O(log n)).

    Sound because a sequence has no gaps: a writer claims n+1 only after it saw n taken, and
    truth is never deleted. A writer racing ahead only makes the answer stale, which the
    conditional PUT then reports as a conflict.
    """
    low, step = known_taken, 1
    high = min(low + step, _MAX_SEQ)
    while high < _MAX_SEQ and _is_taken(store, prefix, high):
        low, step = high, step * 2
        high = min(low + step, _MAX_SEQ)
    while high - low > 1:
        middle = (low + high) // 2
        if _is_taken(store, prefix, middle):
            low = middle
        else:
            high = middle
    return high


def append_to_sequence(
    store: ObjectStore,
    prefix: S3Location,
    body_for: Callable[[int], bytes],
    *,
    max_attempts: int = 32,
) -> tuple[S3Location, int]:
    """Write `body_for(seq)` once at `{prefix}{seq:06d}.json` under the next free number.

    The key is the bare number, so one number is one object whoever writes it: concurrent writers
    each claim with `put_if_absent` and move on after a conflict, so no two share a number, none is
    overwritten and none is skipped. What happened (event, phase, writer) belongs in the body,
    which must differ between writers (it carries the seq and a writer token), so ALREADY_PRESENT
    can only mean a retry of this very write.

    Cost: no LIST. The first append of a process to a prefix finds the end with O(log n) HEADs; later
    appends start from the number this process last saw taken (one PUT when uncontended); after a
    few conflicts in a row the end is searched again from the last number seen taken.

    Raises:
        TransientError(EVIDENCE_SEQ_EXHAUSTED): `max_attempts` claims in a row lost to other writers.
    """
    known = _HINTS.get(prefix)
    seq = _first_free(store, prefix, 0) if known is None else known + 1
    for attempt in range(1, max_attempts + 1):
        location = sequence_key(prefix, seq)
        try:
            store.put_if_absent(location, body_for(seq), content_type="application/json")
        except PlatformError as error:
            if error.code != OBJECT_CONFLICT:
                raise
            _HINTS.taken(prefix, seq)
            seq = _first_free(store, prefix, seq) if attempt % _CONFLICTS_BEFORE_SEARCH == 0 else seq + 1
            continue
        _HINTS.taken(prefix, seq)
        return location, seq
    raise TransientError(
        EVIDENCE_SEQ_EXHAUSTED,
        f"{max_attempts} sequence numbers under {prefix.uri} were taken concurrently",
        {"prefix": prefix.uri},
    )


def put_next_in_sequence(
    store: ObjectStore,
    prefix: S3Location,
    suffix: str,
    body_for: Callable[[int], bytes],
    *,
    max_attempts: int = 32,
) -> tuple[S3Location, int]:
    """The former call shape of :func:`append_to_sequence`, kept for existing callers.

    `suffix` no longer reaches the key (a suffix in the key let two writers with different suffixes
    both win one number); the key is `{seq:06d}.json` and the event travels in the body. It must
    still end in `.json`, the only extension a sequence has.
    """
    if not suffix.endswith(_SEQ_EXTENSION):
        raise FailClosed(EVIDENCE_SEQ_INVALID, f"sequence suffix {suffix!r} does not end in {_SEQ_EXTENSION}")
    return append_to_sequence(store, prefix, body_for, max_attempts=max_attempts)
