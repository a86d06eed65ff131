"""`fp oracle sort`: build (or confirm) the stream views of a sealed pack, with their closure proofs.

Mounted into the `fp oracle` group by `cmd_oracle` through :func:`register`. Thin: parse, call
`fraud_platform.oracle.sort.sort_stream_views`, render (a Rich bar per output; under `--json` the
last stdout line carries each view's id, rows and receipt URI).
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path

import typer
from rich.progress import Progress, TaskID

from fraud_platform.cli.options import (
    JsonFlag,
    OutputsOption,
    ProfileOption,
    RoleOption,
    RootOption,
    ScenarioIdOption,
)
from fraud_platform.cli.output import Output
from fraud_platform.cli.parsing import comma_list
from fraud_platform.cli.runner import run_command
from fraud_platform.oracle.runtime import OracleRuntime

__all__ = ["SORT_ROLE", "register"]

# The role that may read packs and write stream views (and nothing else).
SORT_ROLE = "oracle_sorter"


class _RowHash(enum.StrEnum):
    MD5 = "md5"
    SHA256 = "sha256"


class _Bars:
    """SortProgress over Rich: one bar per output (sort pass + read-back pass), stage in its label."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def started(self, output_id: str, work_rows: int) -> None:
        self._tasks[output_id] = self._progress.add_task(f"{output_id}: sorting", total=max(work_rows, 1))

    def advanced(self, output_id: str, rows: int) -> None:
        task = self._tasks.get(output_id)
        if task is not None:
            self._progress.update(task, advance=rows)

    def stage(self, output_id: str, stage: str) -> None:
        task = self._tasks.get(output_id)
        if task is None:
            task = self._tasks[output_id] = self._progress.add_task(output_id, total=1)
        done = stage in ("committed", "confirmed", "skipped")
        self._progress.update(task, description=f"{output_id}: {stage.replace('_', ' ')}")
        if done:
            total = self._progress.tasks[task].total or 1
            self._progress.update(task, completed=total)


def sort(
    root: RootOption,
    scenario_id: ScenarioIdOption,
    outputs: OutputsOption = None,
    window_days: int | None = typer.Option(
        None,
        "--window-days",
        metavar="DAYS",
        min=1,
        help="Sort in day-aligned windows of the first key (bounds each sort); row groups "
        "without statistics are ranged from the data.",
    ),
    memory_mb: int | None = typer.Option(
        None,
        "--memory-mb",
        metavar="MB",
        min=128,
        help="Memory budget (default: the profile's sort_memory_limit_mb).",
    ),
    temp_dir: Path | None = typer.Option(
        None,
        "--temp-dir",
        metavar="DIR",
        help="Where DuckDB spills and the sources are staged and re-proven (default: system temp).",
    ),
    row_hash: _RowHash | None = typer.Option(
        None,
        "--row-hash",
        metavar="HASH",
        help="Row digest of the closure proof, recorded in the receipt (default: the library's, md5).",
    ),
    profile: ProfileOption = "local_parity",
    role: RoleOption = SORT_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Sort each output of a sealed pack into a stream view and commit its closure receipt."""

    def body(out: Output) -> None:
        # DuckDB, pyarrow and numpy load here, not when `fp oracle` starts for another command.
        from fraud_platform.oracle.sort import SortOptions, sort_stream_views

        runtime = OracleRuntime.open(profile, role)
        options = SortOptions(
            memory_limit_mb=memory_mb or runtime.profile.budgets.sort_memory_limit_mb,
            window_days=window_days,
            temp_dir=temp_dir,
        )
        if row_hash is not None:
            options = dataclasses.replace(options, row_hash=row_hash.value)
        with out.progress() as progress:
            results = sort_stream_views(
                runtime.store,
                runtime.creds,
                root,
                scenario_id,
                outputs=comma_list(outputs),
                options=options,
                progress=_Bars(progress),
            )
        if not json_mode:
            out.table(
                "stream views",
                ["output", "status", "rows", "parts", "stream_view_id"],
                [[r.output_id, r.status, r.rows, r.parts, r.stream_view_id[:16] + "…"] for r in results],
            )
        out.result(
            {
                "root": root,
                "scenario_id": scenario_id,
                "memory_limit_mb": options.memory_limit_mb,
                "window_days": window_days,
                "row_hash": options.row_hash,
                "views": [result.to_json() for result in results],
            }
        )

    run_command(json_mode, body)


def register(app: typer.Typer) -> None:
    """Add the `sort` command to the `fp oracle` group."""
    app.command(name="sort")(sort)
