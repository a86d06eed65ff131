"""CLI output as an interface: a Rich renderer for people and a JSON renderer for scripts.

With `--json`, human-readable lines go to stderr and stdout ends with exactly one JSON line
`{"ok": …, "code": …, …}`, the contract scripts depend on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from fraud_platform.core.redact import redact_value

__all__ = ["Output"]


class Output:
    """Where a command says things. One instance per command invocation."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        # In JSON mode stdout is reserved for the final line; everything else goes to stderr.
        self.console = Console(stderr=json_mode, highlight=False)

    def info(self, message: str) -> None:
        """A line for people (stderr under --json)."""
        self.console.print(message)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A small table for people."""
        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
        self.console.print(table)

    @contextmanager
    def progress(self, *, transfer: bool = False) -> Iterator[Progress]:
        """A Rich progress bar (files, bytes, rate, ETA when `transfer`); silent under --json."""
        columns: list[Any] = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
        if transfer:
            columns += [DownloadColumn(), TransferSpeedColumn()]
        columns.append(TimeRemainingColumn())
        with Progress(*columns, console=self.console, disable=self.json_mode, transient=False) as progress:
            yield progress

    def result(self, payload: Mapping[str, Any], *, ok: bool = True, code: str = "OK") -> None:
        """The final word of a command: one JSON line under --json, a short summary otherwise."""
        body = redact_value({"ok": ok, "code": code, **payload})
        if self.json_mode:
            sys.stdout.write(json.dumps(body, sort_keys=True, default=str) + "\n")
            sys.stdout.flush()
            return
        style = "green" if ok else "red"
        self.console.print(f"[{style}]{code}[/{style}]")
        for key, value in body.items():
            if key in ("ok", "code"):
                continue
            self.console.print(f"  {key}: {value}")
