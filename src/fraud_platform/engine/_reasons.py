"""Reason codes owned by the engine interface (catalogue, gate map, gate verification, synthetic worlds).

Gate outcomes are three codes on purpose: `GATE_MISSING` (the bundle is not published yet: wait,
retrying may help), `GATE_FAILED` (the engine published the bundle without `_passed.flag`: its own
verdict is FAIL, terminal) and `GATE_CONFLICT` (something is present and wrong: refuse and
quarantine). The Oracle, SR and WSP reuse these rather than registering twins.
"""

from fraud_platform.core.reasons import reason

__all__ = [
    "ENGINE_CATALOGUE_INVALID",
    "GATE_CONFLICT",
    "GATE_FAILED",
    "GATE_MEMBER_MISMATCH",
    "GATE_MISSING",
    "GATE_UNKNOWN",
    "OUTPUT_SCHEMA_MISMATCH",
    "OUTPUT_UNKNOWN",
    "RUN_RECEIPT_INVALID",
    "RUN_RECEIPT_MISSING",
    "SYNTH_ARGS_INVALID",
    "SYNTH_TARGET_CONFLICT",
    "WORLD_KEY_INVALID",
    "WORLD_OBJECT_MISSING",
    "WORLD_PATH_INVALID",
]

_OWNER = "engine"

ENGINE_CATALOGUE_INVALID = reason(
    "ENGINE_CATALOGUE_INVALID",
    "the packaged engine catalogue or gate map is malformed (bad template, unknown gate, cycle, bad field)",
    owner=_OWNER,
)
OUTPUT_UNKNOWN = reason(
    "OUTPUT_UNKNOWN", "an output id that the engine catalogue does not list", owner=_OWNER
)
OUTPUT_SCHEMA_MISMATCH = reason(
    "OUTPUT_SCHEMA_MISMATCH",
    "a world file's column is absent or of another type than the catalogue's (integer width/sign, float, bool, text)",
    owner=_OWNER,
)
GATE_UNKNOWN = reason("GATE_UNKNOWN", "a gate id that the engine gate map does not list", owner=_OWNER)
GATE_MISSING = reason(
    "GATE_MISSING",
    "a required gate's flag, bundle, index or a file its index lists is absent (no PASS, no read; wait)",
    owner=_OWNER,
    transient=True,
)
GATE_CONFLICT = reason(
    "GATE_CONFLICT",
    "a required gate's flag or index is unparseable, or the recomputed digest differs from the flag",
    owner=_OWNER,
)
GATE_FAILED = reason(
    "GATE_FAILED",
    "a required gate's bundle is published (its index present) without _passed.flag: the engine failed it",
    owner=_OWNER,
)
GATE_MEMBER_MISMATCH = reason(
    "GATE_MEMBER_MISMATCH",
    "a 3A bundle member's bytes do not hash to the sha256_hex its index records (stricter than the engine)",
    owner=_OWNER,
)
WORLD_PATH_INVALID = reason(
    "WORLD_PATH_INVALID",
    "a world-relative path or partition value is absolute, climbs out (..), is empty or malformed",
    owner=_OWNER,
)
WORLD_OBJECT_MISSING = reason(
    "WORLD_OBJECT_MISSING", "a file asked for is absent from the world", owner=_OWNER
)
WORLD_KEY_INVALID = reason(
    "WORLD_KEY_INVALID",
    "a world-key value (seed, manifest_fingerprint, parameter_hash, scenario_id, run_id) is malformed",
    owner=_OWNER,
)
RUN_RECEIPT_MISSING = reason(
    "RUN_RECEIPT_MISSING", "the world has no run_receipt.json at its root", owner=_OWNER
)
RUN_RECEIPT_INVALID = reason(
    "RUN_RECEIPT_INVALID",
    "run_receipt.json does not parse or lacks a valid run_id, manifest_fingerprint, parameter_hash or seed",
    owner=_OWNER,
)
SYNTH_ARGS_INVALID = reason(
    "SYNTH_ARGS_INVALID", "a synthetic-world argument is out of range or not a safe identifier", owner=_OWNER
)
SYNTH_TARGET_CONFLICT = reason(
    "SYNTH_TARGET_CONFLICT",
    "the synthetic world's folder already exists with different content; nothing overwritten",
    owner=_OWNER,
)
