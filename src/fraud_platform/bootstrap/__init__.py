"""Bootstrap (trust and control): roles, least-privilege policies, bucket posture, topics, apply, verify.

Public API (see docs/bootstrap.md):

- the role model as data: :data:`ROLES`, :data:`OBJECT_GRANTS`, :data:`TOPIC_GRANTS`;
- :func:`build_plan` / :func:`write_plan`: the deterministic plan document (IAM JSON, bucket
  policies, Confluent ACLs, SeaweedFS identity actions, bucket posture, topics);
- :func:`apply_bootstrap`: make a substrate match the plan, idempotently;
- :func:`verify_bootstrap`: prove the posture with real calls under each role's own credentials.
"""

from fraud_platform.bootstrap.apply import ApplyResult, apply_bootstrap
from fraud_platform.bootstrap.local_identities import parse_grant_extra
from fraud_platform.bootstrap.plan import build_plan, default_plan_path, plan_digest, write_plan
from fraud_platform.bootstrap.ports import BootstrapPorts
from fraud_platform.bootstrap.roles import OBJECT_GRANTS, ROLES, TOPIC_GRANTS
from fraud_platform.bootstrap.verify import VerifyResult, verify_bootstrap

__all__ = [
    "OBJECT_GRANTS",
    "ROLES",
    "TOPIC_GRANTS",
    "ApplyResult",
    "BootstrapPorts",
    "VerifyResult",
    "apply_bootstrap",
    "build_plan",
    "default_plan_path",
    "parse_grant_extra",
    "plan_digest",
    "verify_bootstrap",
    "write_plan",
]
