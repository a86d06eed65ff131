"""Reason codes owned by the Scenario Runner."""

from fraud_platform.core.reasons import reason

EQUIV_KEY_COLLISION = reason(
    "EQUIV_KEY_COLLISION", "the run equivalence key was already used with a different intent", owner="sr"
)
STATE_REGRESSION = reason(
    "STATE_REGRESSION", "a run status may never move backwards or leave a terminal state", owner="sr"
)
