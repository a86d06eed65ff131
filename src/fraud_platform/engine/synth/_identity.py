"""The identity of a synthetic world, derived only from its arguments (never from time or place)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fraud_platform.core.canonical import canonical_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._paths import check_world_key
from fraud_platform.engine._reasons import SYNTH_ARGS_INVALID

__all__ = ["GENERATOR", "LAYOUTS", "Layout", "SynthArgs", "WorldIds", "derive_ids", "parse_layout"]

GENERATOR = "fp-synth/3"  # 2: real types, nulls, part names; 3: the real bundle shapes of every gate
Layout = Literal["many", "single"]
LAYOUTS: tuple[Layout, ...] = ("many", "single")


def parse_layout(value: str) -> Layout:
    """A `--fraud-stream-layout` value as a Layout; anything else is FailClosed(SYNTH_ARGS_INVALID)."""
    for layout in LAYOUTS:
        if value == layout:
            return layout
    raise FailClosed(SYNTH_ARGS_INVALID, f"fraud_stream_layout must be one of {LAYOUTS}, got {value!r}")


_MAX_FLOWS = 50_000_000
_MAX_FILES = 10_000
_MAX_DAYS = 366


@dataclass(frozen=True)
class SynthArgs:
    """Validated arguments of `fp engine synth`."""

    seed: int
    scenario_id: str
    flows: int
    files_per_output: int
    days: int
    fraud_stream_layout: Layout = "many"

    def __post_init__(self) -> None:
        def refuse(detail: str) -> None:
            raise FailClosed(SYNTH_ARGS_INVALID, detail, {"argument": detail.split(" ", 1)[0]})

        for name in ("seed", "flows", "files_per_output", "days"):
            if not isinstance(getattr(self, name), int) or isinstance(getattr(self, name), bool):
                refuse(f"{name} must be an integer")
        try:
            check_world_key("seed", self.seed)
            check_world_key("scenario_id", self.scenario_id)
        except FailClosed as error:
            raise FailClosed(SYNTH_ARGS_INVALID, error.detail, error.refs) from error
        if not 1 <= self.flows <= _MAX_FLOWS:
            refuse(f"flows must be in 1..{_MAX_FLOWS}, got {self.flows}")
        if not 1 <= self.files_per_output <= _MAX_FILES:
            refuse(f"files_per_output must be in 1..{_MAX_FILES}, got {self.files_per_output}")
        if not 1 <= self.days <= _MAX_DAYS:
            refuse(f"days must be in 1..{_MAX_DAYS}, got {self.days}")
        if self.fraud_stream_layout not in LAYOUTS:
            refuse(f"fraud_stream_layout must be one of {LAYOUTS}, got {self.fraud_stream_layout!r}")


@dataclass(frozen=True)
class WorldIds:
    """The engine identity of a synthetic world."""

    run_id: str
    manifest_fingerprint: str
    parameter_hash: str


def derive_ids(args: SynthArgs) -> WorldIds:
    """Ids as the engine would shape them: parameter hash and fingerprint (64 hex), run id (32 hex).

    The fingerprint does not depend on the seed or scenario (as with the engine, the seed is its own
    partition axis); the run id depends on everything, so two different worlds never share a root.
    """
    parameters = {
        "generator": GENERATOR,
        "flows": args.flows,
        "files_per_output": args.files_per_output,
        "days": args.days,
        "fraud_stream_layout": args.fraud_stream_layout,
    }
    parameter_hash = sha256_hex(canonical_bytes({"kind": "parameter_hash", "parameters": parameters}))
    manifest_fingerprint = sha256_hex(
        canonical_bytes(
            {"kind": "manifest_fingerprint", "generator": GENERATOR, "parameter_hash": parameter_hash}
        )
    )
    run_id = sha256_hex(
        canonical_bytes(
            {
                "kind": "run_id",
                "manifest_fingerprint": manifest_fingerprint,
                "parameter_hash": parameter_hash,
                "seed": args.seed,
                "scenario_id": args.scenario_id,
            }
        )
    )[:32]
    return WorldIds(run_id=run_id, manifest_fingerprint=manifest_fingerprint, parameter_hash=parameter_hash)
