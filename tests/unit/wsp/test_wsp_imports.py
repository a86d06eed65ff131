"""House rules of WSP, checked on its source: it meets IG only over HTTP, SR only through the READY and
facts-view models and the run policy, and the Oracle only through its consumer check."""

from __future__ import annotations

import ast
from pathlib import Path

import fraud_platform.wsp

_WSP = Path(fraud_platform.wsp.__file__).parent
_SR_ALLOWED = {"fraud_platform.sr.messages", "fraud_platform.sr.documents", "fraud_platform.sr.policy"}


def _modules() -> set[str]:
    found: set[str] = set()
    for path in sorted(_WSP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_wsp_never_imports_ig_sqlalchemy_or_kafka() -> None:
    offenders = {
        m
        for m in _modules()
        if m.startswith("fraud_platform.ig") or m.split(".")[0] in ("sqlalchemy", "confluent_kafka", "boto3")
    }
    assert offenders == set()


def test_wsp_meets_sr_and_the_oracle_only_through_their_contracts() -> None:
    modules = _modules()
    assert {m for m in modules if m.startswith("fraud_platform.sr")} <= _SR_ALLOWED
    assert {m for m in modules if m.startswith("fraud_platform.oracle")} == {"fraud_platform.oracle.check"}
