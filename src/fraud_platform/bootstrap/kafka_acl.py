"""Rendering of the topic grants into Confluent-style ACL bindings (dev_min: Confluent Cloud).

Each binding is one `confluent kafka acl create` line: principal, operation, resource type, name
and pattern, ALLOW. A producer needs WRITE and DESCRIBE on its topics (and IDEMPOTENT_WRITE on the
cluster, as every producer is idempotent); a consumer needs READ and DESCRIBE on its topics and READ
on its consumer groups, which are named `fp.{role}.…` (a PREFIXED grant; every consumer names its
group through `substrate.bus.group_names`, so a name and its grant cannot drift apart). The operator
also creates and configures topics, and tears runs down: it lists consumer groups (DESCRIBE) and
deletes them (DELETE), whichever role's they are, so those two are granted on the PREFIXED `fp.`.
tansu (local_parity) has no ACLs and no SASL: these bindings are rendered and reviewed locally, and
enforced only on Confluent.

The principal is the role's Confluent service account (`User:sa-…`, from the dev_min pins through
`config.kafka_keys.kafka_principals`), the account each role's own API key belongs to; a binding for
a name no key authenticates as would hold nothing. Locally, where nothing authenticates, the
principal is the descriptive `User:fp-{profile}-{role}`.
"""

from __future__ import annotations

from typing import Any

from fraud_platform.bootstrap.iam import iam_role_name
from fraud_platform.bootstrap.roles import OPERATOR, TopicOperation, topic_grants_of
from fraud_platform.substrate.bus.group_names import GROUP_ROOT, consumer_group_prefix

__all__ = ["CLUSTER_RESOURCE", "consumer_group_prefix", "local_principal", "render_kafka_acls"]

CLUSTER_RESOURCE = "kafka-cluster"
_TOPIC_PREFIX = "fp.bus."


def local_principal(profile: str, role: str) -> str:
    """The unenforced, descriptive principal of a role where Kafka has no authentication."""
    return f"User:{iam_role_name(profile, role)}"


def _binding(principal: str, operation: str, resource_type: str, name: str, pattern: str) -> dict[str, Any]:
    return {
        "principal": principal,
        "host": "*",
        "operation": operation,
        "permission": "ALLOW",
        "resource_type": resource_type,
        "resource_name": name,
        "pattern_type": pattern,
    }


def render_kafka_acls(principal: str, role: str) -> list[dict[str, Any]]:
    """The ACL bindings of one role for `principal`, sorted (deterministic)."""
    bindings: set[tuple[str, str, str, str]] = set()
    grants = topic_grants_of(role)
    for grant in grants:
        bindings.add(("DESCRIBE", "TOPIC", grant.topic, "LITERAL"))
        if grant.operation is TopicOperation.PRODUCE:
            bindings.add(("WRITE", "TOPIC", grant.topic, "LITERAL"))
        else:
            bindings.add(("READ", "TOPIC", grant.topic, "LITERAL"))
    if any(grant.operation is TopicOperation.PRODUCE for grant in grants):
        bindings.add(("IDEMPOTENT_WRITE", "CLUSTER", CLUSTER_RESOURCE, "LITERAL"))
    if any(grant.operation is TopicOperation.CONSUME for grant in grants):
        bindings.add(("READ", "GROUP", consumer_group_prefix(role), "PREFIXED"))
    if role == OPERATOR:
        bindings.update(
            {
                ("CREATE", "CLUSTER", CLUSTER_RESOURCE, "LITERAL"),
                ("DESCRIBE", "CLUSTER", CLUSTER_RESOURCE, "LITERAL"),
                ("ALTER_CONFIGS", "TOPIC", _TOPIC_PREFIX, "PREFIXED"),
                ("DESCRIBE_CONFIGS", "TOPIC", _TOPIC_PREFIX, "PREFIXED"),
                ("DESCRIBE", "GROUP", GROUP_ROOT, "PREFIXED"),
                ("DELETE", "GROUP", GROUP_ROOT, "PREFIXED"),
            }
        )
    return [_binding(principal, *binding) for binding in sorted(bindings)]
