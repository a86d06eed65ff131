"""The root `fp` Typer app: mounts each `cmd_<group>.py` command-group module.

`main()` imports only the group the command line names (`fp oracle land …` imports `cmd_oracle`
alone), because importing every group pulls in pyarrow, DuckDB, SQLAlchemy and confluent-kafka and
costs each short command more than a second of start-up. `--help` and unknown words mount them all.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence

import typer

import fraud_platform.cli as cli_package

__all__ = ["build_app", "group_names", "main"]

_PREFIX = "cmd_"


def group_names() -> list[str]:
    """Every command group, by the module that defines it (`cmd_<name>.py` defines group `<name>`)."""
    return sorted(
        info.name.removeprefix(_PREFIX)
        for info in pkgutil.iter_modules(cli_package.__path__)
        if info.name.startswith(_PREFIX)
    )


def build_app(only: str | None = None) -> typer.Typer:
    """A root app with every group mounted, or just `only` when it names one."""
    root = typer.Typer(
        name="fp",
        help="fraud-platform: Oracle Store, Scenario Runner, WSP and IG on local_parity or dev_min.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name in [only] if only is not None else group_names():
        module = importlib.import_module(f"fraud_platform.cli.{_PREFIX}{name}")
        if name != module.NAME:
            raise RuntimeError(f"{module.__name__} must define NAME = {name!r}")
        root.add_typer(module.app, name=name, help=module.__doc__)
    return root


def _requested_group(argv: Sequence[str]) -> str | None:
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in group_names() else None


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """`app` is the fully mounted app, built on first use (tests and `CliRunner` import it)."""
    global _full_app
    if name != "app":
        raise AttributeError(name)
    if _full_app is None:
        _full_app = build_app()
    return _full_app


def main() -> None:
    """Console-script entry point."""
    build_app(_requested_group(sys.argv[1:]))()
