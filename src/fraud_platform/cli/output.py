"""CLI output as an interface: a Rich renderer for people and a JSON renderer for scripts.

With `--json`, human-readable lines go to stderr and stdout ends with exactly one JSON line
`{"ok": …, "code": …, …}`, the contract scripts depend on. Without it, the same payload is shown as
a short summary (:func:`summary_lines`): big results are collapsed to their sizes, never dumped.
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
from rich.text import Text

from fraud_platform.core.redact import redact_value

__all__ = ["FULL_RESULT_HINT", "Output", "summary_lines"]

# A mapping with more keys than this, or a list with more items, is shown as its size: a summary
# a person reads at a glance, not a dump (the whole result is one `--json` away).
_MAX_SHOWN = 8
_INDENT = "  "
FULL_RESULT_HINT = "(full result: --json)"


def _is_scalar(value: Any) -> bool:
    # Anything not a container prints as str(), as `--json` does with `default=str`.
    return not isinstance(value, Mapping | list | tuple)


def _is_short_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) <= _MAX_SHOWN and all(_is_scalar(v) for v in value)


def _inline(value: Any) -> str | None:
    """`value` on one line if it is small enough to read there, else None (it must be collapsed)."""
    if _is_scalar(value):
        return str(value)
    if isinstance(value, Mapping) and not value:
        return "{}"
    if _is_short_list(value):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return None


def _opens(value: Any) -> bool:
    """Whether a mapping is worth opening one level down: few keys, at least one readable value."""
    return (
        isinstance(value, Mapping)
        and len(value) <= _MAX_SHOWN
        and any(_inline(item) is not None for item in value.values())
    )


def _collapsed(value: Mapping[str, Any] | list[Any] | tuple[Any, ...]) -> str:
    noun = "key" if isinstance(value, Mapping) else "item"
    return f"{len(value)} {noun}{'' if len(value) == 1 else 's'}"


def summary_lines(payload: Mapping[str, Any]) -> list[str]:
    """The human summary of a result payload, one string per line, for a person at a terminal.

    Scalars and short lists of scalars are shown as `key: value`; a mapping of at most eight keys
    with at least one such value is opened one level down (its own nested values collapsed); anything
    bigger or deeper (a long list, a list of records, a mapping of mappings such as per-output rows a
    table already showed) becomes its size (`12 items`, `6 keys`), followed by a last line pointing at
    `--json` for the whole result. Pass a payload that is already redacted: this only lays it out.
    """
    lines: list[str] = []
    collapsed = False
    for key, value in payload.items():
        shown = _inline(value)
        if shown is not None:
            lines.append(f"{_INDENT}{key}: {shown}")
        elif _opens(value):
            lines.append(f"{_INDENT}{key}:")
            for sub_key, sub_value in value.items():
                sub_shown = _inline(sub_value)
                if sub_shown is None:
                    sub_shown = _collapsed(sub_value)
                    collapsed = True
                lines.append(f"{_INDENT * 2}{sub_key}: {sub_shown}")
        else:
            lines.append(f"{_INDENT}{key}: {_collapsed(value)}")
            collapsed = True
    if collapsed:
        lines.append(f"{_INDENT}{FULL_RESULT_HINT}")
    return lines


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
            # Cells are data, not Rich markup: a meaning such as `bucket[/prefix]` must print as is.
            table.add_row(*(Text(str(cell)) for cell in row))
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
        """The final word of a command: one JSON line under --json, a short summary otherwise.

        The payload is redacted before either rendering, so no secret reaches stdout in either mode.
        """
        body = redact_value({"ok": ok, "code": code, **payload})
        if self.json_mode:
            sys.stdout.write(json.dumps(body, sort_keys=True, default=str) + "\n")
            sys.stdout.flush()
            return
        style = "green" if ok else "red"
        self.console.print(f"[{style}]{code}[/{style}]")
        shown = {key: value for key, value in body.items() if key not in ("ok", "code")}
        for line in summary_lines(shown):
            # Data, not markup; soft_wrap keeps a long URI on one (copyable) line.
            self.console.print(line, markup=False, soft_wrap=True)
