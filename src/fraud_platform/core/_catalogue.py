"""Imports every `*_reasons.py` module of the package so that the registry is complete when listed.

It walks the files rather than the import system, so a package without `__init__.py` (a namespace
package, which pkgutil does not descend into) cannot silently drop its codes from the list.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import fraud_platform

_ROOT = Path(fraud_platform.__file__).resolve().parent

for _path in sorted(_ROOT.rglob("*_reasons.py")):
    _relative = _path.relative_to(_ROOT).with_suffix("")
    importlib.import_module("fraud_platform." + ".".join(_relative.parts))
