"""The one error handler of the CLI: maps outcomes to documented exit codes.

| exit | meaning |
|---|---|
| 0 (`EXIT_OK`) | success |
| 1 (`EXIT_BUG`) | an unexpected error (a bug); `INTERNAL_ERROR` |
| 2 (`EXIT_REFUSED`) | a fail-closed refusal, a transient failure or a failed check (the code is printed) |
| 64 (`EXIT_USAGE`) | a usage error: unknown flag, missing option or bad value (`USAGE_ERROR`); nothing ran |

With `--json` the last stdout line is always one JSON object, `{"ok", "code", "detail", "refs",
"transient"}` on failure, so a script never has to parse text to learn why a command stopped.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import typer
from rich.markup import escape

from fraud_platform.cli.output import Output
from fraud_platform.core._reasons import INTERNAL_ERROR
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.redact import redact_text, redact_value

__all__ = [
    "EXIT_BUG",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "CheckFailed",
    "failure_line",
    "run_command",
    "write_failure_line",
]

EXIT_OK = 0
EXIT_BUG = 1
EXIT_REFUSED = 2
# BSD sysexits' EX_USAGE: distinct from 2, which means "the platform refused", not "you typed it wrong".
EXIT_USAGE = 64


class CheckFailed(Exception):
    """Raised by a command whose check ran fine but found problems: exit 2 with its payload."""

    def __init__(self, code: str, payload: dict[str, Any]) -> None:
        super().__init__(code)
        self.code = code
        self.payload = payload


def failure_line(
    code: str, detail: str, refs: Mapping[str, Any] | None = None, *, transient: bool = False
) -> dict[str, Any]:
    """The `--json` failure object: the same five keys for every kind of failure."""
    return {
        "ok": False,
        "code": code,
        "detail": redact_text(detail),
        "refs": redact_value(dict(refs or {})),
        "transient": transient,
    }


def write_failure_line(line: Mapping[str, Any]) -> None:
    """Write a failure object as the last stdout line."""
    sys.stdout.write(json.dumps(line, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def _exit(code: int) -> NoReturn:
    raise typer.Exit(code)


def run_command(json_mode: bool, body: Callable[[Output], None]) -> None:
    """Run a command body with the shared output and error handling; never returns normally on error."""
    out = Output(json_mode)
    try:
        body(out)
    except typer.Exit:
        raise
    except CheckFailed as failed:
        out.result(
            {"detail": f"check failed: {failed.code}", "refs": {}, "transient": False, **failed.payload},
            ok=False,
            code=failed.code,
        )
        _exit(EXIT_REFUSED)
    except PlatformError as error:
        if json_mode:
            write_failure_line(error.to_json())
        # detail and refs are data: a detail such as `bucket[/prefix]` is not Rich markup.
        out.console.print(f"[red]{error.code}[/red] {escape(error.detail)}")
        if error.refs:
            out.console.print(f"  refs: {error.refs}", markup=False)
        _exit(EXIT_REFUSED)
    except Exception as error:  # noqa: BLE001  (the one place a bug becomes exit 1 with a trace)
        trace = redact_text("".join(traceback.format_exception(error)))
        if json_mode:
            write_failure_line(failure_line(INTERNAL_ERROR, repr(error)))
        Output(True).console.print(trace, markup=False)
        _exit(EXIT_BUG)
