"""The generated reason-code page and the exported members stay in sync with the code."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import fraud_platform
from fraud_platform.core.reasons import all_reasons
from fraud_platform.core.reasons_doc import render_markdown

_ROOT = Path(__file__).resolve().parents[3]


def test_reason_codes_page_is_generated_from_the_registry() -> None:
    page = (_ROOT / "docs" / "reason-codes.md").read_text(encoding="utf-8")
    assert page == render_markdown(all_reasons()), "run: fp reasons --markdown > docs/reason-codes.md"


def test_every_module_declares_all_and_exports_only_what_exists() -> None:
    for info in pkgutil.walk_packages(fraud_platform.__path__, prefix="fraud_platform."):
        if info.name.endswith(("__main__", "._catalogue", ".demo")) or "._reasons" in info.name:
            continue
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            continue
        for name in exported:
            assert hasattr(module, name), f"{info.name}.__all__ names missing {name}"
