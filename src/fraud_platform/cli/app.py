"""The root `fp` Typer app: discovers each `cmd_*.py` command-group module and mounts it."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import fraud_platform.cli as cli_package

__all__ = ["app", "main"]

app = typer.Typer(
    name="fp",
    help="fraud-platform: Oracle Store, Scenario Runner, WSP and IG on local_parity or dev_min.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _mount_command_groups() -> None:
    for module_info in sorted(pkgutil.iter_modules(cli_package.__path__), key=lambda m: m.name):
        if not module_info.name.startswith("cmd_"):
            continue
        module = importlib.import_module(f"fraud_platform.cli.{module_info.name}")
        group: typer.Typer = module.app
        app.add_typer(group, name=module.NAME, help=module.__doc__)


_mount_command_groups()


def main() -> None:
    """Console-script entry point."""
    app()
