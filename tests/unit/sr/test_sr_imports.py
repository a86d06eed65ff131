"""House rules of SR, checked on its source: no SQLAlchemy, and the Oracle only through oracle.check."""

from __future__ import annotations

import ast
from pathlib import Path

import fraud_platform.sr

_SR = Path(fraud_platform.sr.__file__).parent


def _imports() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(_SR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.extend((path.name, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.extend((path.name, f"{node.module}.{alias.name}") for alias in node.names)
                found.append((path.name, node.module))
    return found


def test_sr_imports_no_sqlalchemy() -> None:
    offenders = [(name, module) for name, module in _imports() if module.split(".")[0] == "sqlalchemy"]
    assert offenders == []


def test_sr_uses_the_oracle_only_through_its_consumer_check() -> None:
    modules = {module for _, module in _imports() if module.startswith("fraud_platform.oracle")}
    outside = {
        m
        for m in modules
        if m != "fraud_platform.oracle.check" and not m.startswith("fraud_platform.oracle.check.")
    }
    assert modules, "SR must call the Oracle consumer check"
    assert outside == set()
