"""Whether the READY a lane rerun got back from SR was already streamed, from WSP's own consumed set.

Why the lane asks before it starts WSP: the consumer group of a run (`fp.wsp.run.{run}`) commits the
READY's offset only after WSP recorded its terminal outcome in the consumed set. So once a lane got as
far as "WSP finished" and then died before its commit, the READY is both in the consumed set and
behind the group's committed offset: a new WSP of that group would never see it again and would wait
out its whole READY deadline for nothing. The consumed set answers instead:

- STREAMED: every output was streamed to the cap and acknowledged (the row is written after the last
  checkpoint), so the rerun starts no WSP and reconciles from the records already there; nothing is
  sent twice, so exactly-once holds without relying on IG's dedupe;
- REJECTED: WSP refused that READY; streaming it again cannot succeed, so the lane fails closed;
- absent: WSP never finished it, so the offset is not committed either; a new WSP gets the READY
  again and resumes from its checkpoints (IG answers a resent batch DUPLICATE).
"""

from __future__ import annotations

from fraud_platform.config import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import Clock
from fraud_platform.operate._reasons import LANE_FAILED
from fraud_platform.substrate.state import open_state_engine
from fraud_platform.wsp.state import Outcome, WspState

__all__ = ["already_streamed"]


def already_streamed(profile: Profile, clock: Clock, message_id: str) -> bool:
    """True when WSP's consumed set holds `message_id` as STREAMED; FailClosed(LANE_FAILED) if REJECTED."""
    engine = open_state_engine(profile.state.dsn.get_secret_value())
    try:
        entry = WspState(engine, clock).consumed(message_id)
    finally:
        engine.dispose()
    if entry is None:
        return False
    if entry.outcome is Outcome.REJECTED:
        raise FailClosed(
            LANE_FAILED,
            f"WSP rejected READY {message_id} of this run ({entry.reason_code}); a rerun cannot stream it",
            {"message_id": message_id, "reason_code": entry.reason_code},
        )
    return entry.outcome is Outcome.STREAMED
