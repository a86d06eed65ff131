"""Landing: copy an engine world into a pack root, write-once, and commit it with a landing manifest.

Protocol (every step re-runnable; a killed landing converges on rerun):
1. read the source's `run_receipt.json` (absent → RUN_RECEIPT_MISSING): its run_id names the root;
2. list the source once; unsafe paths, reserved names and special files are refused before any byte
   moves (LANDING_PATH_UNSAFE / LANDING_PATH_RESERVED);
3. list the destination once: objects the source lacks, objects of another size, or a committed
   manifest for other content → LANDING_CONFLICT before any upload;
4. land every file on a bounded thread pool (read once, hash, HEAD-and-skip when the same bytes are
   there, else write with `If-None-Match: *`); any conflict or source change stops the landing. Each
   object is verified by its own worker as it lands: the skip HEAD compares size and SHA-256, and a
   PUT only succeeds once the store confirmed the SHA-256 of the bytes it stored (port contract);
5. final check: list the destination again; every manifest file present with its size, nothing extra
   (an object deleted or added behind the workers' backs since they proved it);
6. write `_oracle/landing_manifest.json` last, write-once: the commit object of the landing.
The source is only ever read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.engine._reasons import RUN_RECEIPT_MISSING
from fraud_platform.engine.receipt import RUN_RECEIPT_NAME, parse_run_receipt
from fraud_platform.obs.telemetry import counters_delta
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle._reasons import LANDING_CONFLICT, LANDING_VERIFY_FAILED
from fraud_platform.oracle._store import read_optional, write_once
from fraud_platform.oracle._transfer import ByteBudget, FileLander, LandedFile
from fraud_platform.oracle.layout import PackRoot, is_reserved
from fraud_platform.oracle.manifest import LandingManifest, build_manifest, parse_manifest
from fraud_platform.oracle.sources import LandingSource, SourceFile
from fraud_platform.substrate.objectstore.port import ObjectInfo, ObjectStore, PutOutcome

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "LandingOptions",
    "LandingProgress",
    "LandingReport",
    "engine_run_id_of",
    "existing_objects",
    "land_world",
    "verify_destination",
]

DEFAULT_MEMORY_BUDGET = 1024 * 1024 * 1024
_MB = 1024 * 1024


class LandingProgress(Protocol):
    """What a landing tells a progress bar; called on the landing's own thread."""

    def planned(self, files: int, total_bytes: int) -> None:
        """The plan is known: this many files and bytes will be landed (or confirmed)."""
        ...

    def advanced(self, files: int, nbytes: int) -> None:
        """This many more files and bytes are done (uploaded or skipped)."""
        ...


@dataclass(frozen=True)
class LandingOptions:
    """Tuning of one landing: worker threads and the bytes all workers may hold in memory at once."""

    workers: int = 8
    memory_budget: int = DEFAULT_MEMORY_BUDGET


@dataclass(frozen=True)
class LandingReport:
    """Evidence of one landing (counts, bytes, throughput); `root_digest` identifies what landed."""

    root: str
    source: str
    engine_run_id: str
    files: int
    bytes: int
    uploaded_files: int
    uploaded_bytes: int
    skipped: int
    skipped_bytes: int
    conflicts: int
    elapsed_s: float
    throughput_mb_s: float
    root_digest: str
    manifest: str
    workers: int
    telemetry: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def fact_details(self) -> dict[str, Any]:
        """Details of the ORACLE_LANDED fact: what was landed, not how fast (a rerun is the same fact)."""
        return {
            "pack_root": self.root,
            "engine_run_id": self.engine_run_id,
            "root_digest": self.root_digest,
            "files": self.files,
            "bytes": self.bytes,
        }


def engine_run_id_of(source: LandingSource) -> str:
    """The engine run id of a source world: its `run_receipt.json` run_id (absent → RUN_RECEIPT_MISSING)."""
    data = source.read_optional(RUN_RECEIPT_NAME)
    if data is None:
        raise FailClosed(RUN_RECEIPT_MISSING, f"the source has no {RUN_RECEIPT_NAME}: {source.uri}")
    return parse_run_receipt(data).run_id


def land_world(
    source: LandingSource,
    store: ObjectStore,
    root: PackRoot,
    *,
    options: LandingOptions | None = None,
    progress: LandingProgress | None = None,
    clock: Clock | None = None,
    telemetry: Callable[[], dict[str, Any]] | None = None,
) -> LandingReport:
    """Land `source` into `root` and commit the landing manifest; idempotent and resumable.

    `telemetry` (e.g. `substrate.telemetry.snapshot`) is sampled before and after; the report holds
    the difference, i.e. the requests and bytes of this landing only.

    Blocks until committed. Raises FailClosed(RUN_RECEIPT_MISSING | RUN_RECEIPT_INVALID |
    LANDING_PATH_UNSAFE | LANDING_PATH_RESERVED |
    LANDING_CONFLICT | LANDING_SOURCE_CHANGED | LANDING_VERIFY_FAILED) with nothing committed, or a
    TransientError from the store (rerun to resume).
    """
    options = options or LandingOptions()
    clock = clock or SystemClock()
    started = clock.monotonic()
    counters_before = telemetry() if telemetry is not None else {}
    engine_run_id = engine_run_id_of(source)
    files = source.list_files()
    existing = existing_objects(store, root)
    _refuse_conflicting_destination(store, root, files, existing)
    if progress is not None:
        progress.planned(len(files), sum(file.size for file in files))
    lander = FileLander(source, store, root, existing, ByteBudget(options.memory_budget))

    def _done(file: SourceFile, _landed: LandedFile) -> None:
        if progress is not None:
            progress.advanced(1, file.size)

    landed = run_bounded(files, lander.land, workers=options.workers, on_done=_done, label=lambda f: f.path)
    manifest = build_manifest(engine_run_id, [item.entry for item in landed])
    verify_destination(store, root, manifest)
    outcome = write_once(store, root.landing_manifest, manifest.to_bytes(), LANDING_CONFLICT)
    elapsed = max(clock.monotonic() - started, 1e-9)
    uploaded = [item.entry for item in landed if item.uploaded]
    return LandingReport(
        root=root.uri,
        source=source.uri,
        engine_run_id=engine_run_id,
        files=manifest.file_count,
        bytes=manifest.total_bytes,
        uploaded_files=len(uploaded),
        uploaded_bytes=sum(entry.size for entry in uploaded),
        skipped=manifest.file_count - len(uploaded),
        skipped_bytes=manifest.total_bytes - sum(entry.size for entry in uploaded),
        conflicts=0,
        elapsed_s=round(elapsed, 3),
        throughput_mb_s=round(manifest.total_bytes / _MB / elapsed, 2),
        root_digest=manifest.root_digest.hex,
        manifest="created" if outcome is PutOutcome.CREATED else "already_present",
        workers=options.workers,
        telemetry=counters_delta(telemetry(), counters_before) if telemetry is not None else {},
    )


def existing_objects(store: ObjectStore, root: PackRoot) -> dict[str, ObjectInfo]:
    """Engine files already at the destination, by relative path (Oracle objects left out)."""
    found: dict[str, ObjectInfo] = {}
    for info in store.list(root.location):
        relative = root.relative(info.key)
        if not is_reserved(relative):
            found[relative] = info
    return found


def _refuse_conflicting_destination(
    store: ObjectStore, root: PackRoot, files: list[SourceFile], existing: dict[str, ObjectInfo]
) -> None:
    """Conflicts visible from listings alone fail before a single byte is sent."""
    sizes = {file.path: file.size for file in files}
    extra = sorted(path for path in existing if path not in sizes)
    resized = sorted(path for path, info in existing.items() if path in sizes and info.size != sizes[path])
    if extra or resized:
        raise FailClosed(
            LANDING_CONFLICT,
            f"the destination holds {len(extra)} object(s) the source lacks and {len(resized)} of another size",
            {"root": root.uri, "extra": extra[:50], "different_size": resized[:50]},
        )
    committed = read_optional(store, root.landing_manifest)
    if committed is None:
        return
    manifest = parse_manifest(committed)
    listed = {entry.path: entry.size for entry in manifest.entries}
    if listed != sizes:
        changed = sorted(
            set(listed).symmetric_difference(sizes) | {p for p in listed if sizes.get(p) != listed[p]}
        )
        raise FailClosed(
            LANDING_CONFLICT,
            "the destination already holds a committed landing of other content",
            {"root": root.uri, "paths": changed[:50]},
        )


def verify_destination(store: ObjectStore, root: PackRoot, manifest: LandingManifest) -> None:
    """Before the commit: the destination lists exactly the manifest's files, each with its size.

    The SHA-256 of every object was already proven by the worker that landed it (the store confirms
    the digest of each PUT; a skipped object's HEAD compared size and digest), so what is left is
    one LIST, catching an object deleted, added or resized behind the workers' backs. Raises
    FailClosed(LANDING_VERIFY_FAILED) listing every `missing`, `extra` or `different` path.
    """
    present = existing_objects(store, root)
    expected = manifest.by_path()
    problems: list[dict[str, Any]] = [
        {"path": path, "problem": "extra"} for path in sorted(set(present) - set(expected))
    ]
    problems += [{"path": path, "problem": "missing"} for path in sorted(set(expected) - set(present))]
    problems += [
        {"path": path, "problem": "different", "size": present[path].size}
        for path, entry in sorted(expected.items())
        if path in present and present[path].size != entry.size
    ]
    if problems:
        raise FailClosed(
            LANDING_VERIFY_FAILED,
            f"{len(problems)} destination object(s) do not match the landing; not committed",
            {"root": root.uri, "problems": problems[:50]},
        )
