"""The control-topic loop: consume READY records for one platform run and commit after each outcome.

The consumer group is per served platform run (`fp.{role}.run.{platform_run_id}`, `fp.wsp.run.…` under
the `wsp` role), so skipping another run's READY (and committing past it) never hides it from that
run's own WSP. It is named under the prefix of the role whose Kafka key opens it, the only groups that
role's ACLs let it join on Confluent (`substrate.bus.group_names`). New groups start at the earliest
offset. Nothing reads high watermarks or `latest` (tansu reports both wrong): `--once` polls until the
served run's READY has been handled, and gives up with the transient WSP_READY_NOT_SEEN after a
deadline; it never infers "end of partition".

The offset of a record is committed only after `RecordHandler.handle` returned a terminal outcome
(whose consumed-set row is already durable); an exception leaves it uncommitted, so the record is
delivered again to the next WSP of the group. A commit the broker refuses *after* the outcome is
durable (the group forgot this member across a broker restart) is logged and deferred, not fatal:
the record's redelivery is recognised from the consumed set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fraud_platform.core.errors import PlatformError, TransientError
from fraud_platform.core.time import Clock
from fraud_platform.eb.topics import CONTROL_TOPIC
from fraud_platform.obs.logging import log_event
from fraud_platform.substrate._reasons import BUS_COMMIT_FAILED, BUS_UNAVAILABLE
from fraud_platform.substrate.bus.group_names import GROUP_ROOT, consumer_group_id
from fraud_platform.substrate.bus.port import BusConsumer, BusMessage
from fraud_platform.wsp._reasons import WSP_READY_NOT_SEEN
from fraud_platform.wsp.handle import Handled, RecordHandler
from fraud_platform.wsp.stream import ProgressFn, StreamOptions

__all__ = [
    "LEGACY_GROUP_PREFIX",
    "WSP_ROLE",
    "ConsumeReport",
    "consume_control",
    "group_id_for",
    "legacy_group_id_for",
    "served_run_of",
]

_log = logging.getLogger("fraud_platform.wsp")
_POLL_S = 0.5
_DEFERRABLE_COMMIT = frozenset({BUS_COMMIT_FAILED, BUS_UNAVAILABLE})
_RUN_SEGMENT = "run"

WSP_ROLE = "wsp"

LEGACY_GROUP_PREFIX = "fp-wsp-"
"""Legacy: the groups of runs streamed before groups were named per role (`fp-wsp-{platform_run_id}`).

Only local runs ever had them (Confluent's ACLs would have refused the name). Nothing creates them
any more; teardown still finds and deletes them, so a run made before the rename is torn down
completely. A run resumed after the rename joins its new group at the earliest offset, and READYs it
already handled are recognised from the consumed set."""


def group_id_for(platform_run_id: str, role: str = WSP_ROLE) -> str:
    """The consumer group of the WSP serving one platform run under `role`'s key: `fp.{role}.run.{run}`."""
    return consumer_group_id(role, _RUN_SEGMENT, platform_run_id)


def legacy_group_id_for(platform_run_id: str) -> str:
    """Legacy: the group a run streamed before the rename used (see LEGACY_GROUP_PREFIX)."""
    return LEGACY_GROUP_PREFIX + platform_run_id


def served_run_of(group_id: str) -> str | None:
    """The served run named by a per-run WSP group of any role, or by a legacy one; None otherwise.

    Why any role: WSP may be run under another role's key (the tests use the operator's), and its run
    group then sits under that role's prefix; teardown must still find the run from it.
    """
    if group_id.startswith(LEGACY_GROUP_PREFIX):
        return group_id.removeprefix(LEGACY_GROUP_PREFIX) or None
    if not group_id.startswith(GROUP_ROOT):
        return None
    parts = group_id.removeprefix(GROUP_ROOT).split(".", 2)
    if len(parts) == 3 and parts[0] and parts[1] == _RUN_SEGMENT and parts[2]:
        return parts[2]
    return None


@dataclass
class ConsumeReport:
    """Every record handled in this call, in consumption order; `ready` is the served run's last one."""

    handled: list[Handled] = field(default_factory=list)

    @property
    def ready(self) -> Handled | None:
        in_scope = [item for item in self.handled if item.in_scope]
        return in_scope[-1] if in_scope else None


def consume_control(
    consumer: BusConsumer,
    handler: RecordHandler,
    options: StreamOptions,
    clock: Clock,
    *,
    once: bool,
    wait_s: float,
    progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ConsumeReport:
    """Handle control records until stopped (or, with `once`, until the served run's READY is handled).

    `wait_s` bounds how long `once` waits for a READY of the served run to arrive.
    """
    report = ConsumeReport()
    deadline = clock.monotonic() + wait_s
    while not should_stop():
        if once and clock.monotonic() >= deadline:
            raise TransientError(
                WSP_READY_NOT_SEEN,
                f"no READY for the served run on {CONTROL_TOPIC} within {wait_s:.0f}s",
                {"topic": CONTROL_TOPIC, "wait_s": wait_s},
            )
        message = consumer.poll(_POLL_S)
        if message is None:
            continue
        handled = handler.handle(message, options, progress)
        _commit(consumer, message)
        report.handled.append(handled)
        log_event(
            _log,
            "wsp_control_handled",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            **{key: value for key, value in handled.to_json().items() if key != "outputs"},
        )
        if once and handled.in_scope:
            break
    return report


def _commit(consumer: BusConsumer, message: BusMessage) -> None:
    """Commit after a terminal outcome; a commit the group lost (e.g. a broker restart) is deferred.

    The outcome is already durable in the consumed set, so an uncommitted offset only means the
    record is delivered again and recognised there (`replayed`), never handled twice. So a commit
    refused because the group moved on (UNKNOWN_MEMBER_ID after the broker forgot the member) or
    the broker being unreachable is logged, not fatal. Access denied (BUS_ACCESS_DENIED) still is.
    """
    try:
        consumer.commit(message)
    except PlatformError as error:
        if error.code not in _DEFERRABLE_COMMIT:
            raise
        log_event(
            _log,
            "wsp_commit_deferred",
            level=logging.WARNING,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            code=error.code,
            detail=error.detail,
        )
