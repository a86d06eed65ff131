"""House rule (issue 7 §7): a reason code is referenced by its registered constant, never spelled out.

A code written as a string literal outside its `_reasons.py` escapes every rename and every
registry check: a typo compiles, a removed code keeps being compared against. This test scans the
source for string literals equal to a registered code, and for f-strings that build a code from a
registered prefix (`f"GATE_{status}"`) where a code is expected (raised, compared to `.code`).
`__all__` entries and fact-family names (a separate namespace that shares some spellings) are not
code references.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fraud_platform
from fraud_platform.core.reasons import all_reasons

_SRC = Path(fraud_platform.__file__).parent
_CODE_SINKS = frozenset({"FailClosed", "TransientError", "PlatformError", "CheckFailed", "ReasonCode"})
_NOT_CODES = frozenset({"register_family"})  # fact families share a few spellings with codes


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Ids of string nodes that are not code references: `__all__` entries and family names."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value:
                skipped.update(id(child) for child in ast.walk(node.value))
        elif isinstance(node, ast.Call) and _called(node) in _NOT_CODES and node.args:
            skipped.add(id(node.args[0]))
    return skipped


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _built_codes(tree: ast.AST) -> list[ast.JoinedStr]:
    """f-strings in a code position: the first argument of an error/code constructor, or compared to `.code`."""
    found: list[ast.JoinedStr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in _CODE_SINKS and node.args:
            candidates: list[ast.expr] = [node.args[0]]
        elif isinstance(node, ast.Compare) and any(
            isinstance(side, ast.Attribute) and side.attr == "code" for side in [node.left, *node.comparators]
        ):
            candidates = [node.left, *node.comparators]
        else:
            continue
        found.extend(c for c in candidates if isinstance(c, ast.JoinedStr))
    return found


def _offences(source: str, codes: frozenset[str]) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    prefixes = {code[: i + 1] for code in codes for i, char in enumerate(code) if char == "_"}
    offences = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in codes and id(node) not in skipped
    ]
    for built in _built_codes(tree):
        head = built.values[0] if built.values else None
        if isinstance(head, ast.Constant) and head.value in prefixes:
            offences.append((built.lineno, f"{head.value}{{…}}"))
    return offences


def _codes() -> frozenset[str]:
    return frozenset(str(info.code) for info in all_reasons())


def test_no_registered_reason_code_is_spelled_as_a_literal_outside_its_reasons_module() -> None:
    codes = _codes()
    found: set[tuple[str, str]] = set()
    for path in sorted(_SRC.rglob("*.py")):
        if path.name == "_reasons.py":
            continue
        relative = path.relative_to(_SRC).as_posix()
        found.update((relative, code) for _line, code in _offences(path.read_text(encoding="utf-8"), codes))
    assert found == set()


def test_the_scanner_catches_the_literals_it_names() -> None:
    codes = _codes()
    source = (
        'MISSING = "BUS_TOPIC_MISSING"\n'
        'raise CheckFailed(f"GATE_{status}", payload)\n'
        'ok = error.code == f"OBJECT_{kind}"\n'
        '__all__ = ["OBJECT_MISSING"]\n'
        'FAMILY = register_family("PREFLIGHT_FAILED", "meaning")\n'
        'hint = f"DEV_MIN_{role}_KEY"\n'
    )
    assert _offences(source, codes) == [(1, "BUS_TOPIC_MISSING"), (2, "GATE_{…}"), (3, "OBJECT_{…}")]
