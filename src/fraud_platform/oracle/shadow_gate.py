"""`fp oracle pointer set --require-shadow RUN`: the pointer moves only onto a root a shadow proved.

RUN is the shadow's id, which is its right-hand platform_run_id (the run from the candidate root;
`fp run shadow` prints it as `right_run`). The move is allowed only when the shadow document
`evidence/shadow/{RUN}.json` (obs/shadow_record.py) exists, says PASS, names the root, scenario and
pack id being set as its right-hand side, and both of its runs committed their closure bundles with
a PASS verdict under this profile. Anything else refuses with SHADOW_REQUIRED, before the pointer
is touched. The document is read by its contract in obs; the Oracle imports nothing of Run/Operate.
"""

from __future__ import annotations

from fraud_platform.core.errors import FailClosed
from fraud_platform.obs.closure import read_commit
from fraud_platform.obs.evidence import RunEvidence
from fraud_platform.obs.shadow_record import ShadowRecord, ShadowSide, read_shadow, shadow_location
from fraud_platform.oracle._reasons import SHADOW_REQUIRED
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["require_shadow"]


def _committed_pass(store: ObjectStore, evidence_bucket: str, side: ShadowSide, label: str) -> None:
    commit = read_commit(store, RunEvidence(evidence_bucket, side.platform_run_id))
    if commit is None:
        raise FailClosed(SHADOW_REQUIRED, f"the shadow's {label} run {side.platform_run_id} never committed")
    if commit.uri != side.evidence:
        raise FailClosed(
            SHADOW_REQUIRED,
            f"the shadow's {label} run commit is {commit.uri}, the document says {side.evidence}",
        )
    verdict = commit.document.get("summary", {}).get("verdict")
    if verdict != "PASS":
        raise FailClosed(
            SHADOW_REQUIRED, f"the shadow's {label} run {side.platform_run_id} committed {verdict}"
        )


def require_shadow(
    store: ObjectStore,
    evidence_bucket: str,
    shadow_id: str,
    *,
    profile: str,
    rehearsal: bool,
    pack_root: str,
    scenario_id: str,
    oracle_pack_id: str,
) -> ShadowRecord:
    """The passing shadow that allows this move, or FailClosed(SHADOW_REQUIRED) (module docstring)."""
    record = read_shadow(store, evidence_bucket, shadow_id)
    where = shadow_location(evidence_bucket, shadow_id).uri
    if record is None:
        raise FailClosed(SHADOW_REQUIRED, f"no shadow document {where}: run `fp run shadow` first")
    wanted = (profile, rehearsal, pack_root, scenario_id, oracle_pack_id)
    found = (
        record.profile,
        record.rehearsal,
        record.right.pack_root,
        record.scenario_id,
        record.right.oracle_pack_id,
    )
    names = ("profile", "rehearsal", "root", "scenario", "pack id")
    problems = [
        f"{name} {have!r} (shadow) vs {want!r} (this move)"
        for name, have, want in zip(names, found, wanted, strict=True)
        if have != want
    ]
    if record.verdict != "PASS":
        problems.insert(0, f"verdict {record.verdict} ({record.code}, {record.difference_count} differences)")
    if problems:
        raise FailClosed(
            SHADOW_REQUIRED,
            f"shadow {shadow_id} does not allow this move: {'; '.join(problems)}",
            {"shadow": where},
        )
    _committed_pass(store, evidence_bucket, record.left, "left")
    _committed_pass(store, evidence_bucket, record.right, "right")
    return record
