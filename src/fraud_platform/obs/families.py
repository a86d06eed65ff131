"""The registry of governance-fact families: a fact of an unregistered family is refused.

A family names *what kind of thing happened* (a run was minted, a component became ready). Packages
register the families they emit, with the detail keys every fact of the family must carry, the same
way they register reason codes; the emitter refuses anything else, so the evidence of a run only ever
holds facts whose meaning is written down.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs._reasons import FACT_FAMILY_UNKNOWN

__all__ = [
    "BOOTSTRAP_APPLIED",
    "BOOTSTRAP_VERIFIED",
    "COMPONENT_READY",
    "COMPONENT_STARTED",
    "COMPONENT_STOPPED",
    "PREFLIGHT_FAILED",
    "PREFLIGHT_PASSED",
    "RUN_MINTED",
    "FactFamily",
    "all_families",
    "lookup_family",
    "register_family",
]

_NAME_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
_lock = threading.Lock()
_REGISTRY: dict[str, FactFamily] = {}


@dataclass(frozen=True)
class FactFamily:
    """A registered family: its name, meaning, owning package and the detail keys it requires."""

    name: str
    meaning: str
    owner: str
    required_details: frozenset[str]


def register_family(name: str, meaning: str, *, owner: str, required_details: tuple[str, ...] = ()) -> str:
    """Register a family once and return its name; a second, different registration is a bug."""
    if not _NAME_PATTERN.match(name):
        raise ValueError(f"fact family {name!r} is not UPPER_SNAKE")
    family = FactFamily(name, meaning, owner, frozenset(required_details))
    with _lock:
        existing = _REGISTRY.get(name)
        if existing is not None and existing != family:
            raise ValueError(f"fact family {name} registered twice with different definitions")
        _REGISTRY[name] = family
    return name


def lookup_family(name: str) -> FactFamily:
    """The registration of `name`; raises FailClosed(FACT_FAMILY_UNKNOWN) for anything else."""
    with _lock:
        family = _REGISTRY.get(name)
    if family is None:
        raise FailClosed(FACT_FAMILY_UNKNOWN, f"no fact family {name!r} is registered", {"family": name})
    return family


def all_families() -> list[FactFamily]:
    """Every registered family, sorted by name."""
    with _lock:
        return sorted(_REGISTRY.values(), key=lambda family: family.name)


RUN_MINTED = register_family(
    "RUN_MINTED",
    "a platform_run_id was claimed and its run.json written",
    owner="operate",
    required_details=("run_manifest", "config_digest"),
)
PREFLIGHT_PASSED = register_family(
    "PREFLIGHT_PASSED",
    "every preflight check of a run passed",
    owner="operate",
    required_details=("attempt", "checks"),
)
PREFLIGHT_FAILED = register_family(
    "PREFLIGHT_FAILED",
    "at least one preflight check of a run failed",
    owner="operate",
    required_details=("attempt", "checks", "failed"),
)
COMPONENT_STARTED = register_family(
    "COMPONENT_STARTED",
    "a component process of the run was started",
    owner="operate",
    required_details=("component",),
)
COMPONENT_READY = register_family(
    "COMPONENT_READY",
    "a component reported ready to serve the run",
    owner="operate",
    required_details=("component",),
)
COMPONENT_STOPPED = register_family(
    "COMPONENT_STOPPED",
    "a component process of the run stopped",
    owner="operate",
    required_details=("component",),
)
BOOTSTRAP_APPLIED = register_family(
    "BOOTSTRAP_APPLIED",
    "roles, policies, buckets and topics were applied to a substrate",
    owner="bootstrap",
)
BOOTSTRAP_VERIFIED = register_family(
    "BOOTSTRAP_VERIFIED",
    "every role was proven able to do what it must and nothing else",
    owner="bootstrap",
)
