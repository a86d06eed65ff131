"""Consumer groups through the Kafka admin API: list them, delete them one by one (for teardown).

Why a result per group rather than an exception: teardown must say, per group, whether the broker
deleted it or refused (a live member, missing ACLs, a broker without DeleteGroups), so it can record
a typed skip in its proof. Only an unreachable broker raises (TransientError(BUS_UNAVAILABLE)).
A group the broker no longer knows counts as gone. Measured on tansu 0.6.0: ListGroups,
DescribeGroups and DeleteGroups are served, and deleting an unknown group answers success, which is
why callers list first and delete only what the listing holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from fraud_platform.core.errors import PlatformError
from fraud_platform.substrate._reasons import BUS_ADMIN_FAILED, BUS_CONFIG_INVALID
from fraud_platform.substrate.bus._config import base_config
from fraud_platform.substrate.bus.errors import map_kafka_errors, translate_kafka_error
from fraud_platform.substrate.bus.port import KafkaSettings

__all__ = ["GroupDeletion", "KafkaGroupAdmin"]

_GONE = frozenset({KafkaError.GROUP_ID_NOT_FOUND})


@dataclass(frozen=True)
class GroupDeletion:
    """What the broker said about one group: deleted, or refused with the platform code and detail."""

    group_id: str
    deleted: bool
    code: str | None = None
    detail: str | None = None


def _refusal(error: KafkaException, group_id: str) -> PlatformError | None:
    """The platform error of a refused delete, None when the group is gone anyway; raises if transient."""
    first = error.args[0] if error.args else None
    kafka_error = first if isinstance(first, KafkaError) else KafkaError(KafkaError._FAIL, str(error))
    if kafka_error.code() in _GONE:
        return None
    translated = translate_kafka_error(kafka_error, f"delete group {group_id}", BUS_ADMIN_FAILED)
    if translated.transient:
        raise translated from error
    return translated


class KafkaGroupAdmin:
    """Consumer-group administration under one role's Kafka settings (the operator's, for teardown)."""

    def __init__(self, settings: KafkaSettings, *, request_timeout_s: float = 15.0) -> None:
        self._timeout_s = request_timeout_s
        with map_kafka_errors("create group admin client", BUS_CONFIG_INVALID):
            self._admin = AdminClient(base_config(settings, suffix="groups"))

    def list_groups(self) -> list[str]:
        """Every consumer group the broker lists, sorted; FailClosed(BUS_ADMIN_FAILED) if it cannot list."""
        with map_kafka_errors("list consumer groups", BUS_ADMIN_FAILED):
            listed = self._admin.list_consumer_groups(request_timeout=self._timeout_s).result()
        return sorted(str(group.group_id) for group in listed.valid)

    def delete_groups(self, group_ids: Sequence[str]) -> list[GroupDeletion]:
        """Delete each group; one result per group, in the order given (module docstring)."""
        if not group_ids:
            return []
        with map_kafka_errors("delete consumer groups", BUS_ADMIN_FAILED):
            futures = self._admin.delete_consumer_groups(list(group_ids), request_timeout=self._timeout_s)
        results: list[GroupDeletion] = []
        for group_id in group_ids:
            try:
                futures[group_id].result()
            except KafkaException as error:
                refused = _refusal(error, group_id)
                if refused is not None:
                    results.append(GroupDeletion(group_id, False, str(refused.code), refused.detail))
                    continue
            results.append(GroupDeletion(group_id, True))
        return results
