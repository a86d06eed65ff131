"""Imports every package's `_reasons` module so that the registry is complete when listed."""

from __future__ import annotations

import importlib
import pkgutil

import fraud_platform

for _module in pkgutil.walk_packages(fraud_platform.__path__, prefix="fraud_platform."):
    if _module.name.endswith("._reasons"):
        importlib.import_module(_module.name)
