"""Consumer-group names: every group a role opens is `fp.{role}.{segment}.….{last}`.

Why one naming function: on Confluent (dev_min) a client may only join a group its principal has READ
on, and bootstrap grants each consuming role READ on the PREFIXED group `fp.{role}.` and the operator
DELETE and DESCRIBE on the PREFIXED group `fp.` (bootstrap/kafka_acl.py, for teardown). A group named
any other way is refused there (GROUP_AUTHORIZATION_FAILED), while tansu (local_parity) has no ACLs
and accepts it, so a wrong name passes every local test. Every consumer names its group here, from
the role whose Kafka key opens it, and the ACLs are rendered from the same prefix.

The module imports only the platform's error types, so the bus adapters, WSP and bootstrap can all use it
without an import cycle.
"""

from __future__ import annotations

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import BUS_CONFIG_INVALID

__all__ = ["GROUP_ROOT", "consumer_group_id", "consumer_group_prefix"]

GROUP_ROOT = "fp."
"""The prefix of every platform group (the operator's DELETE and DESCRIBE grant on groups)."""


def _checked(role: str, segments: tuple[str, ...]) -> None:
    """Refuse names that would leave the role's prefix or collide with a shorter prefix.

    A role with a dot would sit under another role's prefix (`fp.a.b.` is inside `fp.a.`), and an empty
    segment would make an id equal to a prefix: both would blur what an ACL grant covers.
    """
    if not role or "." in role:
        raise FailClosed(
            BUS_CONFIG_INVALID, "a consumer-group role must be non-empty and dot-free", {"role": role}
        )
    if any(not segment for segment in segments):
        raise FailClosed(
            BUS_CONFIG_INVALID,
            "a consumer-group name has an empty segment",
            {"role": role, "segments": list(segments)},
        )


def consumer_group_prefix(role: str, *segments: str) -> str:
    """`fp.{role}.` followed by `{segment}.` for each segment: the groups a role (or one purpose) uses.

    Raises:
        FailClosed: BUS_CONFIG_INVALID for an empty or dotted role, or an empty segment.
    """
    _checked(role, segments)
    return GROUP_ROOT + role + "." + "".join(f"{segment}." for segment in segments)


def consumer_group_id(role: str, *segments: str) -> str:
    """The group `fp.{role}.{segment}.….{last}` opened under `role`'s Kafka key (at least one segment).

    Raises:
        FailClosed: BUS_CONFIG_INVALID for an empty or dotted role, no segment, or an empty segment.
    """
    if not segments:
        raise FailClosed(BUS_CONFIG_INVALID, "a consumer-group id needs at least one segment", {"role": role})
    _checked(role, segments)
    return consumer_group_prefix(role, *segments[:-1]) + segments[-1]
