"""The run lane (`fp run lane`, `fp run verify`): one bounded, audited run, closed by its bundle.

Public API: :func:`run_lane` → :class:`LaneResult`, :func:`verify_run` → :class:`VerifyResult`.
See docs/operate.md ("The run lane").
"""

from fraud_platform.operate.lane.run import LaneResult, run_lane
from fraud_platform.operate.lane.verify import VerifyResult, verify_run

__all__ = ["LaneResult", "VerifyResult", "run_lane", "verify_run"]
