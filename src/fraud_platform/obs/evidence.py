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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fraud_platform.core.errors import FailClosed, PlatformError, TransientError
from fraud_platform.obs._reasons import EVIDENCE_SEQ_EXHAUSTED, RUN_ID_INVALID
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

__all__ = [
    "OBJECT_CONFLICT_CODE",
    "RUN_ID_FORMAT",
    "RUN_ID_REGEX",
    "RunEvidence",
    "put_next_in_sequence",
    "validate_platform_run_id",
]

RUN_ID_FORMAT = "platform_%Y%m%dT%H%M%SZ"
"""`strftime` form of a platform_run_id: `platform_YYYYMMDDTHHMMSSZ` (UTC, second resolution)."""

OBJECT_CONFLICT_CODE = "OBJECT_CONFLICT"
"""The code the object-store port raises when a write-once key already holds different bytes."""

RUN_ID_REGEX = r"^platform_\d{8}T\d{6}Z$"
"""The shape of a platform_run_id, for pydantic `Field(pattern=…)` and JSON Schemas."""

_RUN_ID_PATTERN = re.compile(RUN_ID_REGEX)
_SEQ_WIDTH = 6


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
        """Prefix of the immutable preflight attempts `preflight_attempts/{seq}.json`."""
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
        """Prefix of the immutable telemetry parts `telemetry_parts/{seq}-{phase}.json`."""
        return self.prefix.child("telemetry_parts/")

    @property
    def telemetry_rollup(self) -> S3Location:
        """`telemetry.json`: the sum of every part so far (compare-and-swap, derivable from the parts)."""
        return self.prefix.child("telemetry.json")


def _seq_of(key: str) -> int | None:
    name = key.rsplit("/", 1)[-1]
    head = name[:_SEQ_WIDTH]
    return int(head) if len(head) == _SEQ_WIDTH and head.isdigit() else None


def put_next_in_sequence(
    store: ObjectStore,
    prefix: S3Location,
    suffix: str,
    body_for: Callable[[int], bytes],
    *,
    max_attempts: int = 32,
) -> tuple[S3Location, int]:
    """Write `body_for(seq)` once at `{prefix}{seq:06d}{suffix}` under the first free sequence number.

    Concurrent writers are safe without a lock: each claims a number with `put_if_absent` and moves
    on to the next one on conflict, so two writers never share an object and nothing is overwritten.
    The body must differ between writers (it carries the seq and a writer token), so an
    ALREADY_PRESENT outcome can only mean a retry of this very write. Returns the location and seq.

    Raises:
        TransientError(EVIDENCE_SEQ_EXHAUSTED): `max_attempts` numbers in a row were taken.
    """
    taken = [seq for info in store.list(prefix) if (seq := _seq_of(info.key)) is not None]
    seq = max(taken, default=0) + 1
    for _ in range(max_attempts):
        location = prefix.child(f"{seq:0{_SEQ_WIDTH}d}{suffix}")
        try:
            store.put_if_absent(location, body_for(seq), content_type="application/json")
        except PlatformError as error:
            if error.code != OBJECT_CONFLICT_CODE:
                raise
            seq += 1
            continue
        return location, seq
    raise TransientError(
        EVIDENCE_SEQ_EXHAUSTED,
        f"{max_attempts} sequence numbers under {prefix.uri} were taken concurrently",
        {"prefix": prefix.uri},
    )
