"""The SeaweedFS identities file (`FP_HOME/seaweedfs/identities.json`, the `-s3.config` of `weed mini`).

`apply` rewrites it from the role model: the operator identity exactly as `fp substrate up` wrote it,
then one identity per role with that role's prefix-scoped actions. Identities the role model does
not know are dropped (and reported), because an identity nobody planned is an unreviewed grant.
The bytes are canonical, so an unchanged model and reused keys give an unchanged file, and no
reload is needed on a rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fraud_platform.bootstrap._files import write_private_file
from fraud_platform.bootstrap._reasons import BOOTSTRAP_GRANT_EXTRA_INVALID, BOOTSTRAP_IDENTITIES_INVALID
from fraud_platform.bootstrap.credentials import KeyPair
from fraud_platform.bootstrap.roles import OPERATOR, ROLES
from fraud_platform.core.canonical import canonical_file_bytes, parse_json_bytes
from fraud_platform.core.errors import FailClosed

__all__ = [
    "IDENTITIES_FILE",
    "GrantExtra",
    "parse_grant_extra",
    "read_identities",
    "render_identities",
    "write_identities",
]

IDENTITIES_FILE = Path("seaweedfs") / "identities.json"
_VERBS = frozenset({"Read", "Write", "List", "Tagging", "Admin"})

GrantExtra = tuple[str, str]
"""A test-only over-broad grant: (role, SeaweedFS action such as `Write:bucket/prefix*`)."""


def parse_grant_extra(text: str) -> GrantExtra:
    """Parse `ROLE:VERB:bucket[/prefix]` (e.g. `auditor:Write:fp-evidence/evidence/*`)."""
    parts = text.split(":", 2)
    if (
        len(parts) != 3
        or parts[0] not in ROLES
        or parts[0] == OPERATOR
        or parts[1] not in _VERBS
        or not parts[2]
    ):
        raise FailClosed(
            BOOTSTRAP_GRANT_EXTRA_INVALID,
            f"{text!r} is not ROLE:VERB:bucket[/prefix] with a non-operator role and a verb in {sorted(_VERBS)}",
            {"grant_extra": text},
        )
    return parts[0], f"{parts[1]}:{parts[2]}"


def read_identities(path: Path) -> list[dict[str, Any]]:
    """The identity list of the file; FailClosed(BOOTSTRAP_IDENTITIES_INVALID) if absent or malformed."""
    try:
        document = parse_json_bytes(path.read_bytes())
    except FileNotFoundError as error:
        raise FailClosed(
            BOOTSTRAP_IDENTITIES_INVALID, f"{path} is absent; run `fp substrate up`", {"path": str(path)}
        ) from error
    except ValueError as error:
        raise FailClosed(BOOTSTRAP_IDENTITIES_INVALID, f"{path} is not JSON", {"path": str(path)}) from error
    identities = document.get("identities") if isinstance(document, dict) else None
    if not isinstance(identities, list) or not all(isinstance(item, dict) for item in identities):
        raise FailClosed(
            BOOTSTRAP_IDENTITIES_INVALID, f"{path} has no `identities` list", {"path": str(path)}
        )
    return identities


def _operator_identity(identities: Sequence[Mapping[str, Any]], operator: KeyPair) -> dict[str, Any]:
    for identity in identities:
        if identity.get("name") != OPERATOR:
            continue
        credentials = identity.get("credentials") or []
        keys = {(c.get("accessKey"), c.get("secretKey")) for c in credentials if isinstance(c, dict)}
        if (operator.access_key_id, operator.secret_access_key) not in keys:
            break
        if "Admin" not in (identity.get("actions") or []):
            raise FailClosed(
                BOOTSTRAP_IDENTITIES_INVALID, "the operator identity is not an Admin identity", {}
            )
        return dict(identity)
    raise FailClosed(
        BOOTSTRAP_IDENTITIES_INVALID,
        "no operator identity matching credentials/roles.json; run `fp substrate up`",
        {},
    )


def render_identities(
    existing: Sequence[Mapping[str, Any]],
    operator: KeyPair,
    pairs: Mapping[str, KeyPair],
    actions: Mapping[str, Sequence[str]],
    extras: Sequence[GrantExtra] = (),
) -> tuple[dict[str, Any], list[str]]:
    """The new identities document and the names of the existing identities it drops."""
    kept = _operator_identity(existing, operator)
    document_identities: list[dict[str, Any]] = [kept]
    for role in ROLES:
        if role == OPERATOR:
            continue
        granted = set(actions[role]) | {action for extra_role, action in extras if extra_role == role}
        pair = pairs[role]
        document_identities.append(
            {
                "name": role,
                "credentials": [{"accessKey": pair.access_key_id, "secretKey": pair.secret_access_key}],
                "actions": sorted(granted),
            }
        )
    names = {identity["name"] for identity in document_identities}
    dropped = sorted(str(identity.get("name")) for identity in existing if identity.get("name") not in names)
    return {"identities": document_identities}, dropped


def write_identities(path: Path, document: Mapping[str, Any]) -> bool:
    """Write the identities document (0600) when its bytes changed; True when it was rewritten."""
    data = canonical_file_bytes(dict(document))
    try:
        unchanged = path.read_bytes() == data
    except FileNotFoundError:
        unchanged = False
    if not unchanged:
        write_private_file(path, data, mode=0o600)
    return not unchanged
