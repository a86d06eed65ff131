"""The root app mounts every group by its module name and can mount one alone."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from fraud_platform.cli import app as app_module


def test_every_group_module_names_itself_after_its_file() -> None:
    full = app_module.build_app()
    mounted = sorted(group.name or "" for group in full.registered_groups)
    assert mounted == app_module.group_names()
    assert {"bootstrap", "config", "engine", "oracle", "reasons", "run", "sr", "substrate"} <= set(mounted)


def test_a_named_group_is_mounted_alone() -> None:
    only = app_module.build_app("reasons")
    assert [group.name for group in only.registered_groups] == ["reasons"]
    result = CliRunner().invoke(only, ["reasons", "--json"])
    assert result.exit_code == 0
    assert '"ok": true' in result.stdout.splitlines()[-1]


def test_a_short_command_does_not_import_the_heavy_groups() -> None:
    probe = (
        "import sys; sys.argv=['fp','config','conformance','--json'];"
        "from fraud_platform.cli.app import main\n"
        "try:\n main()\nexcept SystemExit:\n pass\n"
        "print('duckdb' in sys.modules, 'fraud_platform.cli.cmd_oracle' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_mounting_the_oracle_group_loads_neither_duckdb_nor_pyarrow() -> None:
    probe = (
        "import sys\n"
        "from fraud_platform.cli.app import build_app\n"
        "build_app('oracle')\n"
        "print('duckdb' in sys.modules, 'pyarrow' in sys.modules, 'confluent_kafka' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False False"
