"""House rule (issue 7 §7): config sits below substrate and imports nothing from it, not even for types.

The settings types config hands to the adapters (`S3Credentials`, `KafkaSettings`) live in
`config.settings`; the substrate ports re-export the very same classes, so callers of either name get
one type.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fraud_platform.config
from fraud_platform.config.settings import KafkaSettings, S3Credentials
from fraud_platform.substrate.bus import port as bus_port
from fraud_platform.substrate.objectstore import port as objectstore_port

_CONFIG = Path(fraud_platform.config.__file__).parent


def _imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_config_imports_nothing_from_substrate_even_under_type_checking() -> None:
    offenders = {
        (path.name, module)
        for path in sorted(_CONFIG.rglob("*.py"))
        for module in _imported_modules(path.read_text(encoding="utf-8"))
        if module == "fraud_platform.substrate" or module.startswith("fraud_platform.substrate.")
    }
    assert offenders == set()


def test_the_scan_sees_imports_inside_functions_and_type_checking_blocks() -> None:
    source = (
        "if TYPE_CHECKING:\n    from fraud_platform.substrate.bus.port import KafkaSettings\n"
        "def f():\n    import fraud_platform.substrate.factory\n"
    )
    assert _imported_modules(source) == {
        "fraud_platform.substrate.bus.port",
        "fraud_platform.substrate.factory",
    }


def test_the_ports_re_export_configs_settings_types() -> None:
    assert objectstore_port.S3Credentials is S3Credentials
    assert bus_port.KafkaSettings is KafkaSettings
    assert "secret" not in repr(S3Credentials(None, "us-east-1", "id", "secret"))
    assert "pw-value" not in repr(KafkaSettings("127.0.0.1:9092", sasl_password="pw-value"))
