"""Options shared by several commands, declared once as `Annotated` aliases.

A command states the default where it differs (`role: RoleOption = SORT_ROLE`), so the flag name, its
metavar and its help text cannot drift apart between commands. Flags get an empty metavar so help
shows no `<bool>` column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "READ_ONLY_ROLE",
    "EventsPerOutputOption",
    "FactRunOption",
    "JsonFlag",
    "OutputsOption",
    "PlatformRunIdOption",
    "ProfileOption",
    "RehearsalFlag",
    "RoleOption",
    "RootOption",
    "RunOption",
    "ScenarioIdOption",
    "SourceProfileOption",
    "SourceRoleOption",
    "WorkersOption",
    "WorldDirOption",
]

# Commands that only read default to the observer role (bootstrap/roles.py: reads both buckets and the
# bus, writes nothing but run reports), so a typo in a read-only command can never write truth.
READ_ONLY_ROLE = "reporter"

JsonFlag = Annotated[
    bool, typer.Option("--json", metavar="", help="End stdout with one JSON line {ok, code, …}.")
]
ProfileOption = Annotated[
    str, typer.Option("--profile", metavar="PROFILE", help="Profile: local_parity or dev_min.")
]
RehearsalFlag = Annotated[
    bool,
    typer.Option("--rehearsal", metavar="", help="dev_min rehearsal on local substrates (never a PASS)."),
]
RoleOption = Annotated[str, typer.Option("--role", metavar="ROLE", help="Role whose credentials are used.")]
RootOption = Annotated[str, typer.Option("--root", metavar="S3_URI", help="Pack root s3://bucket/…/.")]
ScenarioIdOption = Annotated[
    str, typer.Option("--scenario-id", metavar="SCENARIO_ID", help="The scenario pin.")
]
EventsPerOutputOption = Annotated[
    int, typer.Option("--events-per-output", metavar="N", min=1, help="Cap of events per output.")
]
OutputsOption = Annotated[
    str | None,
    typer.Option(
        "--outputs", metavar="ID[,ID…]", help="Comma-separated output ids (default: the stream set)."
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers", metavar="N", min=1, max=64, help="Threads (default: the profile's landing_workers)."
    ),
]
FactRunOption = Annotated[
    str | None,
    typer.Option(
        "--run", metavar="PLATFORM_RUN_ID", help="Also record this step as a governance fact of that run."
    ),
]
RunOption = Annotated[
    str, typer.Option("--run", metavar="PLATFORM_RUN_ID", help="The platform_run_id from `fp run new`.")
]
PlatformRunIdOption = Annotated[
    str,
    typer.Option(
        "--platform-run-id", metavar="PLATFORM_RUN_ID", help="The platform_run_id from `fp run new`."
    ),
]
SourceProfileOption = Annotated[
    str | None,
    typer.Option(
        "--source-profile", metavar="PROFILE", help="Profile of an s3:// source (default --profile)."
    ),
]
SourceRoleOption = Annotated[
    str, typer.Option("--source-role", metavar="ROLE", help="Role reading an s3:// source.")
]
WorldDirOption = Annotated[
    Path,
    typer.Option("--root", metavar="DIR", help="The engine run root (the folder with run_receipt.json)."),
]
