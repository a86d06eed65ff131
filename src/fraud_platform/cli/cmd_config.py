"""Profiles: show one resolved (secrets redacted), list its pins, check that all profiles share one key set."""

from __future__ import annotations

from typing import Any

import typer

from fraud_platform.cli.options import JsonFlag, ProfileOption, RehearsalFlag
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import (
    LOCAL_PARITY,
    check_shipped_conformance,
    config_digest,
    describe_pins,
    load_profile,
    redacted_view,
)
from fraud_platform.config._reasons import PIN_MISSING, PROFILE_NONCONFORMANT

NAME = "config"
app = typer.Typer(no_args_is_help=True)


def _rows(value: Any, prefix: str = "") -> list[list[Any]]:
    if isinstance(value, dict):
        return [
            row for key, item in value.items() for row in _rows(item, f"{prefix}.{key}" if prefix else key)
        ]
    return [[prefix, value]]


@app.command("show")
def show(
    profile: ProfileOption = LOCAL_PARITY, json_mode: JsonFlag = False, rehearsal: RehearsalFlag = False
) -> None:
    """The resolved profile with secrets redacted, and its config digest."""

    def body(out: Output) -> None:
        loaded = load_profile(profile, rehearsal=True if rehearsal else None)
        view = redacted_view(loaded)
        digest = config_digest(loaded)
        if not json_mode:
            out.table(f"profile {loaded.profile}", ["key", "value"], _rows(view))
            out.result({"config_digest": digest["hex"], "rehearsal": loaded.rehearsal})
            return
        out.result({"profile": view, "config_digest": digest, "rehearsal": loaded.rehearsal})

    run_command(json_mode, body)


@app.command("pins")
def pins(profile: ProfileOption = LOCAL_PARITY, json_mode: JsonFlag = False) -> None:
    """Every pin of a profile and where it resolves from (never its value); exit 2 if one is missing."""

    def body(out: Output) -> None:
        statuses = describe_pins(profile)
        rows = [{"name": s.name, "path": s.path, "kind": s.kind, "source": s.source} for s in statuses]
        if not json_mode:
            out.table(
                f"pins of {profile}", ["name", "path", "kind", "source"], [list(r.values()) for r in rows]
            )
        missing = [s.name for s in statuses if s.missing]
        if missing:
            listed = {"pins": rows} if json_mode else {}
            raise CheckFailed(str(PIN_MISSING), {"profile": profile, **listed, "missing": missing})
        out.result({"profile": profile, "pins": rows if json_mode else len(rows)})

    run_command(json_mode, body)


@app.command("conformance")
def conformance(json_mode: JsonFlag = False) -> None:
    """Check that every shipped profile (and the schema) has the same key set; exit 2 with the differences."""

    def body(out: Output) -> None:
        report = check_shipped_conformance()
        if not report.ok:
            if not json_mode:
                out.table(
                    "differing keys",
                    ["profile", "missing", "extra"],
                    [
                        [name, ", ".join(report.missing.get(name, [])), ", ".join(report.extra.get(name, []))]
                        for name in report.participants
                    ],
                )
            raise CheckFailed(str(PROFILE_NONCONFORMANT), report.to_json())
        out.result(report.to_json())

    run_command(json_mode, body)
