"""The one error handler of the CLI: maps outcomes to exit codes 0 / 1 / 2.

0 success; 2 a fail-closed refusal, a transient failure or a failed check (the code is printed, and
with `--json` the last stdout line is the failure object); 1 an unexpected error (a bug).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

import typer

from fraud_platform.cli.output import Output
from fraud_platform.core.errors import PlatformError
from fraud_platform.core.redact import redact_text

__all__ = ["CheckFailed", "run_command"]


class CheckFailed(Exception):
    """Raised by a command whose check ran fine but found problems: exit 2 with its payload."""

    def __init__(self, code: str, payload: dict[str, Any]) -> None:
        super().__init__(code)
        self.code = code
        self.payload = payload


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
        out.result(failed.payload, ok=False, code=failed.code)
        _exit(2)
    except PlatformError as error:
        if json_mode:
            sys.stdout.write(json.dumps(error.to_json(), sort_keys=True, default=str) + "\n")
        out.console.print(f"[red]{error.code}[/red] {error.detail}")
        if error.refs:
            out.console.print(f"  refs: {error.refs}")
        _exit(2)
    except Exception as error:  # noqa: BLE001  (the one place a bug becomes exit 1 with a trace)
        trace = redact_text("".join(traceback.format_exception(error)))
        if json_mode:
            failure = {"ok": False, "code": "INTERNAL_ERROR", "detail": redact_text(repr(error)), "refs": {}}
            sys.stdout.write(json.dumps(failure, sort_keys=True) + "\n")
        Output(True).console.print(trace, markup=False)
        _exit(1)
