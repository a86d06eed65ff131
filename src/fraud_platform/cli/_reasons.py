"""Reason codes owned by the CLI itself (not by any component it calls)."""

from fraud_platform.core.reasons import reason

USAGE_ERROR = reason(
    "USAGE_ERROR",
    "the command line is wrong (unknown flag, missing option, bad value); nothing ran",
    owner="cli",
)
