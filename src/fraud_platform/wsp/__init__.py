"""World Streamer Producer: turns a verified READY into an ordered, checkpointed stream of events to IG.

Entry points: :class:`WspRuntime` (wiring), :class:`RecordHandler` (one control record),
:func:`stream_output` (one output). See docs/wsp.md.
"""

from fraud_platform.wsp.handle import Handled, RecordHandler
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.retry import RetryPolicy
from fraud_platform.wsp.runtime import WSP_ROLE, WspRuntime
from fraud_platform.wsp.state import Checkpoint, Outcome, WspState
from fraud_platform.wsp.stream import DEFAULT_BATCH_SIZE, StreamOptions, stream_output

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "WSP_ROLE",
    "Checkpoint",
    "Handled",
    "IgClient",
    "Outcome",
    "RecordHandler",
    "RetryPolicy",
    "StreamOptions",
    "WspRuntime",
    "WspState",
    "stream_output",
]
