"""A world whose one flow anchor has the engine's real size, for `bench scale-sort`.

`synthesize_world` builds its whole model in memory, which is right for test worlds and impossible
at 125M flows on this machine. So the big world is a small synthetic world (real gates, bundles,
sidecars, every other output) in which one output's partition is replaced by parts generated one at
a time: the engine's real count of ~591 files, each written as soon as it is built, so generating
125M rows never holds more than one part in memory. The replaced output keeps the catalogue's exact
column types, the world-key columns and the engine's writer options (`statistics` off for the two
baseline outputs), so land, seal and sort treat it like engine output.

Why only one output at scale: the benchmark sorts that output alone and a sort reads only its own
output's files; the others at the engine's proportions (~250M-row event streams, ~100 GB in all)
would cost an hour of synthesis and most of the disk without changing one measured figure.

The world is cached in a folder named by a digest of everything that decides its bytes (this
module's generator version and synth's, the row and file counts, the seed and the base world's
arguments), so a stale cache is never reused; a marker file is written only when it is complete.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraud_platform.engine.arrow_types import arrow_schema
from fraud_platform.engine.catalogue import EngineCatalogue, load_catalogue
from fraud_platform.engine.synth import synthesize_world
from fraud_platform.engine.synth._identity import GENERATOR as SYNTH_GENERATOR
from fraud_platform.engine.synth._parquet import part_name, write_parquet
from fraud_platform.engine.synth._tables import with_world_key

__all__ = ["GENERATOR_VERSION", "ScaleWorld", "ScaleWorldSpec", "scale_world"]

GENERATOR_VERSION = "scale-anchor/1"
_EPOCH_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class ScaleWorldSpec:
    """Everything that decides the big world's bytes (its cache key is a digest of this)."""

    output_id: str = "s2_flow_anchor_baseline_6B"
    rows: int = 125_000_000
    files: int = 591
    days: int = 90
    seed: int = 42
    scenario_id: str = "baseline_v1"
    base_flows: int = 20_000

    def digest(self) -> str:
        text = json.dumps(
            {"generator": GENERATOR_VERSION, "synth": SYNTH_GENERATOR, **asdict(self)}, sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ScaleWorld:
    """Where the world is and what its big output holds."""

    root: Path
    spec: ScaleWorldSpec
    rows: int
    files: int
    bytes: int


def _part(spec: ScaleWorldSpec, index: int, start: int, stop: int, schema: pa.Schema) -> pa.Table:
    """One part's own columns: unique flow ids, uniform ids, event times spread over `days`."""
    rng = np.random.default_rng([spec.seed, index])
    n = stop - start
    flow_id = np.arange(start, stop, dtype=np.int64)
    ids = {name: rng.integers(0, 2**40, n, dtype=np.int64) for name in _ID_COLUMNS}
    micros = _EPOCH_US + rng.integers(0, spec.days * _DAY_US, n, dtype=np.int64)
    # Whole seconds for a tenth of the rows, so ts_utc ties occur as in engine output.
    whole = rng.random(n) < 0.1
    micros[whole] -= micros[whole] % 1_000_000
    ts = pc.strftime(pa.array(micros, type=pa.int64()).cast(pa.timestamp("us")), format="%Y-%m-%dT%H:%M:%SZ")
    columns: dict[str, pa.Array] = {
        "flow_id": pa.array(flow_id),
        "arrival_seq": pa.array(rng.integers(0, 2**31, n, dtype=np.int64)),
        "merchant_id": pa.array(rng.integers(0, 2**63, n, dtype=np.uint64)),
        **{name: pa.array(values) for name, values in ids.items()},
        "ts_utc": ts.cast(pa.large_string()),
        "amount": pa.array(np.round(rng.gamma(2.0, 40.0, n), 2)),
    }
    return pa.Table.from_arrays([columns[field.name].cast(field.type) for field in schema], schema=schema)


_ID_COLUMNS = ("party_id", "account_id", "instrument_id", "device_id", "ip_id")


def _write_big_output(
    spec: ScaleWorldSpec, world: Path, pins: dict[str, object], on_part: Callable[[int, int], None]
) -> tuple[int, int]:
    catalogue: EngineCatalogue = load_catalogue()
    output = catalogue.output(spec.output_id)
    folder = world / output.partition_path(pins)
    shutil.rmtree(folder)
    folder.mkdir(parents=True)
    schema = arrow_schema(output.columns)
    bounds = np.linspace(0, spec.rows, spec.files + 1, dtype=np.int64)
    size = 0
    for index in range(spec.files):
        table = _part(spec, index, int(bounds[index]), int(bounds[index + 1]), schema)
        table = with_world_key(table, catalogue=catalogue, output_id=spec.output_id, pins=pins)
        size += write_parquet(table, folder / part_name(index, 5), statistics=output.statistics)
        on_part(index + 1, spec.files)
    return spec.rows, size


def scale_world(spec: ScaleWorldSpec, cache_root: Path) -> ScaleWorld:
    """The big world for `spec`, generated once into `cache_root` and reused while its digest holds."""
    folder = cache_root / f"fp-bench-scale-world-{spec.digest()}"
    marker = folder / "scale_world.json"
    if marker.is_file():
        recorded = json.loads(marker.read_text())
        return ScaleWorld(
            Path(recorded["root"]), spec, recorded["rows"], recorded["files"], recorded["bytes"]
        )
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    print(f"generating the scale world ({spec.rows:,} rows of {spec.output_id}) into {folder} …", flush=True)
    info = synthesize_world(folder, spec.seed, spec.scenario_id, spec.base_flows)
    pins: dict[str, object] = {
        "seed": info.seed,
        "manifest_fingerprint": info.manifest_fingerprint,
        "parameter_hash": info.parameter_hash,
        "scenario_id": info.scenario_id,
        "run_id": info.engine_run_id,
    }

    def _progress(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            print(f"  {done}/{total} parts, {time.perf_counter() - started:.0f} s", flush=True)

    rows, size = _write_big_output(spec, info.root, pins, _progress)
    world = ScaleWorld(info.root, spec, rows, spec.files, size)
    marker.write_text(
        json.dumps({"root": str(info.root), "rows": rows, "files": spec.files, "bytes": size}, sort_keys=True)
    )
    print(f"generated in {time.perf_counter() - started:.0f} s: {size / 1e9:.2f} GB of Parquet", flush=True)
    return world
