"""`synthesize_world`: a complete, sealed engine world in the real layout, from five arguments.

The world is built in a staging folder beside the target and renamed into place only when complete,
so a crash never leaves a half world under the run id. The same arguments always give the same bytes;
a rerun over an existing identical world is a no-op, and over a different one a refusal
(`SYNTH_TARGET_CONFLICT`): worlds are write-once, like engine output.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._reasons import SYNTH_ARGS_INVALID, SYNTH_TARGET_CONFLICT
from fraud_platform.engine.catalogue import load_catalogue
from fraud_platform.engine.synth._bundles import write_bundles
from fraud_platform.engine.synth._identity import (
    LAYOUTS,
    Layout,
    SynthArgs,
    WorldIds,
    derive_ids,
    parse_layout,
)
from fraud_platform.engine.synth._model import build_model
from fraud_platform.engine.synth._parquet import write_parts
from fraud_platform.engine.synth._rng import Streams
from fraud_platform.engine.synth._sidecars import write_sidecars
from fraud_platform.engine.synth._tables import build_tables, with_world_key

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_FILES_PER_OUTPUT",
    "LAYOUTS",
    "SINGLE_FILE_OUTPUT",
    "Layout",
    "StepHook",
    "WorldInfo",
    "parse_layout",
    "synth_step_count",
    "synthesize_world",
]

DEFAULT_FILES_PER_OUTPUT = 4
DEFAULT_DAYS = 2
SINGLE_FILE_OUTPUT = "s3_event_stream_with_fraud_6B"
"""At upstream HEAD this output is one DuckDB-written file per scenario (`fraud_stream_layout="single"`)."""

StepHook = Callable[[str], None]
"""Called with a label after each step (for a progress bar); `synth_step_count()` steps in all."""


@dataclass(frozen=True)
class WorldInfo:
    """What `synthesize_world` made: identity, location, row counts and size."""

    engine_run_id: str
    root: Path
    manifest_fingerprint: str
    parameter_hash: str
    seed: int
    scenario_id: str
    flows: int
    days: int
    files_per_output: int
    fraud_stream_layout: Layout = "many"
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    already_present: bool = False

    def to_json(self) -> dict[str, Any]:
        """The CLI payload: `engine_run_id` and `path` plus the world key and counts."""
        return {
            "engine_run_id": self.engine_run_id,
            "path": str(self.root),
            "manifest_fingerprint": self.manifest_fingerprint,
            "parameter_hash": self.parameter_hash,
            "seed": self.seed,
            "scenario_id": self.scenario_id,
            "flows": self.flows,
            "days": self.days,
            "files_per_output": self.files_per_output,
            "fraud_stream_layout": self.fraud_stream_layout,
            "rows": dict(self.rows),
            "files": self.files,
            "bytes": self.bytes,
            "already_present": self.already_present,
        }


def synth_step_count() -> int:
    """How many times `on_step` is called: the model, each output, the bundles, the side files."""
    return len(load_catalogue().outputs) + 3


def _generate(staging: Path, args: SynthArgs, ids: WorldIds, on_step: StepHook) -> dict[str, int]:
    catalogue = load_catalogue()
    pins: dict[str, Any] = {
        "seed": args.seed,
        "manifest_fingerprint": ids.manifest_fingerprint,
        "parameter_hash": ids.parameter_hash,
        "scenario_id": args.scenario_id,
    }
    model = build_model(Streams(args.seed, args.scenario_id), args.flows, args.days)
    on_step("model")
    parts: dict[str, list[tuple[str, int]]] = {}
    rows: dict[str, int] = {}
    for output_id, build in build_tables(model, catalogue, args.files_per_output).items():
        table, bounds = build()
        spec = catalogue.output(output_id)
        if output_id == SINGLE_FILE_OUTPUT and args.fraud_stream_layout == "single":
            bounds = [0, table.num_rows]
        folder = staging / spec.partition_path({**pins, "run_id": ids.run_id})
        parts[output_id] = write_parts(
            table,
            bounds,
            folder,
            functools.partial(with_world_key, catalogue=catalogue, output_id=output_id, pins=pins),
            digits=_part_digits(output_id),
            statistics=spec.statistics,
        )
        rows[output_id] = table.num_rows
        del table  # one output in memory at a time
        on_step(output_id)
    counts = {
        "5B": {"arrival_events_5B": rows["arrival_events_5B"]},
        "6B": {output_id: n for output_id, n in rows.items() if output_id.endswith("_6B")},
    }
    bundle_pins = {key: pins[key] for key in ("seed", "manifest_fingerprint", "parameter_hash")}
    write_bundles(staging, catalogue, {**bundle_pins, "run_id": ids.run_id}, counts)
    on_step("validation bundles")
    write_sidecars(staging, catalogue, args, ids, parts)
    on_step("logs, reports, config")
    return rows


def _part_digits(output_id: str) -> int:
    """The engine's part names: `part-000000.parquet` from the 5B writer, `part-00000.parquet` from 6B."""
    return 6 if output_id.endswith("_5B") else 5


def _tree_digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _tree_size(root: Path) -> tuple[int, int]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def synthesize_world(
    out_dir: Path | str,
    seed: int,
    scenario_id: str,
    flows: int,
    files_per_output: int = DEFAULT_FILES_PER_OUTPUT,
    days: int = DEFAULT_DAYS,
    *,
    fraud_stream_layout: Layout = "many",
    on_step: StepHook | None = None,
) -> WorldInfo:
    """Write a sealed synthetic world to `out_dir/{engine_run_id}/` and describe it.

    `fraud_stream_layout="single"` writes `s3_event_stream_with_fraud_6B` as one file (upstream HEAD);
    "many" cuts it into `files_per_output` parts like every other output (the engine's older layout).
    Deterministic (same arguments, same bytes) and idempotent (an identical existing world is left as
    is, `already_present=True`). Raises FailClosed(SYNTH_ARGS_INVALID) for bad arguments and
    FailClosed(SYNTH_TARGET_CONFLICT) when the run-id folder exists with other content.
    """
    args = SynthArgs(
        seed=seed,
        scenario_id=scenario_id,
        flows=flows,
        files_per_output=files_per_output,
        days=days,
        fraud_stream_layout=fraud_stream_layout,
    )
    ids = derive_ids(args)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FailClosed(SYNTH_ARGS_INVALID, f"--out {out} exists and is not a folder", {"out": str(out)})
    out.mkdir(parents=True, exist_ok=True)
    target = out / ids.run_id
    staging = Path(tempfile.mkdtemp(prefix=f".{ids.run_id}.staging-", dir=out))
    already_present = False
    try:
        rows = _generate(staging, args, ids, on_step or (lambda _label: None))
        if not target.exists():
            try:
                staging.rename(target)
            except OSError:
                # Another writer renamed the same world into place first: judge it like a rerun.
                if not target.exists():
                    raise
        if staging.exists():
            if _tree_digests(target) != _tree_digests(staging):
                raise FailClosed(
                    SYNTH_TARGET_CONFLICT,
                    f"{target} already holds a different world; nothing overwritten",
                    {"engine_run_id": ids.run_id},
                )
            already_present = True
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    files, size = _tree_size(target)
    return WorldInfo(
        engine_run_id=ids.run_id,
        root=target.resolve(),
        manifest_fingerprint=ids.manifest_fingerprint,
        parameter_hash=ids.parameter_hash,
        seed=args.seed,
        scenario_id=args.scenario_id,
        flows=args.flows,
        days=args.days,
        files_per_output=args.files_per_output,
        fraud_stream_layout=args.fraud_stream_layout,
        rows=rows,
        files=files,
        bytes=size,
        already_present=already_present,
    )
