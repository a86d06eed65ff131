"""Applying the planned bucket posture, one setting at a time, each read before it is written.

Reading first is what makes `apply` idempotent in effect, not only in outcome: a setting already as
planned is reported `unchanged` and not rewritten. A setting the store does not implement
(SeaweedFS: PublicAccessBlock) is `UNSUPPORTED_LOCALLY` on the local substrates and a refusal on a
managed one, where it must hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fraud_platform.bootstrap._compare import normal_lifecycle, normal_policy
from fraud_platform.bootstrap._lifecycle import as_lifecycle_rules
from fraud_platform.bootstrap.steps import Outcome, Step
from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate._reasons import OBJECT_STORE_FEATURE_UNSUPPORTED
from fraud_platform.substrate.objectstore.admin import S3Admin

__all__ = ["apply_bucket"]


def _unsupported(target: str, setting: str, local: bool, action: Callable[[], Step]) -> Step:
    try:
        return action()
    except FailClosed as error:
        if error.code != OBJECT_STORE_FEATURE_UNSUPPORTED or not local:
            raise
        return Step(
            target, setting, Outcome.UNSUPPORTED_LOCALLY, f"the store does not implement it: {error.detail}"
        )


def apply_bucket(admin: S3Admin, planned: Mapping[str, Any], *, local: bool) -> list[Step]:
    """Create the bucket if absent and converge versioning, SSE, lifecycle, policy and public access."""
    name = str(planned["name"])
    target = f"bucket:{name}"
    steps = [
        Step(target, "exists", Outcome.CREATED if admin.create_bucket_if_absent(name) else Outcome.UNCHANGED)
    ]

    def versioning() -> Step:
        wanted = str(planned["versioning"])
        current = admin.get_versioning(name)
        if current == wanted:
            return Step(target, "versioning", Outcome.UNCHANGED, wanted)
        admin.put_versioning(name, enabled=wanted == "Enabled")
        return Step(target, "versioning", Outcome.CHANGED, f"{current} -> {wanted}")

    def encryption() -> Step:
        wanted = str(planned["sse"]["algorithm"])
        current = admin.get_encryption_algorithm(name)
        if current == wanted:
            return Step(target, "sse", Outcome.UNCHANGED, wanted)
        admin.put_encryption_sse_s3(name)
        return Step(target, "sse", Outcome.CHANGED, f"{current} -> {wanted}")

    def lifecycle() -> Step:
        wanted = list(planned["lifecycle_rules"])
        if normal_lifecycle(admin.get_lifecycle_rules(name)) == normal_lifecycle(wanted):
            return Step(target, "lifecycle", Outcome.UNCHANGED, f"{len(wanted)} rules")
        admin.put_lifecycle_rules(name, as_lifecycle_rules(wanted))
        return Step(target, "lifecycle", Outcome.CHANGED, f"{len(wanted)} rules")

    def policy() -> Step:
        wanted = dict(planned["policy"])
        if normal_policy(admin.get_policy(name)) == normal_policy(wanted):
            return Step(target, "policy", Outcome.UNCHANGED, f"{len(wanted['Statement'])} statements")
        admin.put_policy(name, wanted)
        return Step(target, "policy", Outcome.CHANGED, f"{len(wanted['Statement'])} statements")

    def public_access() -> Step:
        wanted = dict(planned["public_access_block"])
        if admin.get_public_access_block(name) == wanted:
            return Step(target, "public_access_block", Outcome.UNCHANGED, "all four blocks on")
        admin.put_public_access_block(name)
        return Step(target, "public_access_block", Outcome.CHANGED, "all four blocks on")

    for setting, action in (
        ("versioning", versioning),
        ("sse", encryption),
        ("lifecycle", lifecycle),
        ("policy", policy),
        ("public_access_block", public_access),
    ):
        steps.append(_unsupported(target, setting, local, action))
    return steps
