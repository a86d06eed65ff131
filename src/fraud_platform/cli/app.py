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

# Typer >= 0.29 vendors Click; its usage errors live here (pyproject pins that range).
from typer._click import exceptions as click_errors

import fraud_platform.cli as cli_package
from fraud_platform.cli._reasons import USAGE_ERROR
from fraud_platform.cli.runner import EXIT_USAGE, failure_line, write_failure_line

__all__ = ["build_app", "group_names", "main", "run"]

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


def _usage_failure(error: click_errors.UsageError, json_mode: bool) -> int:
    """Show a usage error as people expect it and, under --json, as the one-line failure contract."""
    error.show()
    if json_mode:
        command = error.ctx.command_path if error.ctx is not None else "fp"
        write_failure_line(failure_line(USAGE_ERROR, error.format_message(), {"command": command}))
    return EXIT_USAGE


def run(argv: Sequence[str]) -> int:
    """Run `fp` with `argv` and return its exit code (runner.py documents them).

    Click is run with `standalone_mode=False` so that a usage error reaches us instead of exiting with
    Click's own code 2, which in this CLI means a fail-closed refusal.
    """
    args = list(argv)
    command = typer.main.get_command(build_app(_requested_group(args)))
    try:
        result = command.main(args=args, prog_name="fp", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as error:
        error.show()
        return EXIT_USAGE
    except click_errors.UsageError as error:
        return _usage_failure(error, "--json" in args)
    except click_errors.ClickException as error:
        error.show()
        return error.exit_code
    except typer.Abort:
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))
