"""Synthetic engine worlds: the real layout, sealed, deterministic, fast (`fp engine synth`).

Kept out of `fraud_platform.engine`'s top-level imports so that readers of worlds do not load numpy.
"""

from fraud_platform.engine.synth.world import (
    DEFAULT_DAYS,
    DEFAULT_FILES_PER_OUTPUT,
    LAYOUTS,
    SINGLE_FILE_OUTPUT,
    Layout,
    StepHook,
    WorldInfo,
    parse_layout,
    synth_step_count,
    synthesize_world,
)

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
