"""List every registered reason code with its meaning (the source of docs/reason-codes.md)."""

from __future__ import annotations

import typer

from fraud_platform.cli.options import JsonFlag
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import run_command
from fraud_platform.core.reasons import all_reasons
from fraud_platform.core.reasons_doc import render_markdown

NAME = "reasons"
app = typer.Typer(no_args_is_help=False, invoke_without_command=True)


@app.callback()
def list_reasons(
    json_mode: JsonFlag = False,
    markdown: bool = typer.Option(False, "--markdown", metavar="", help="Print docs/reason-codes.md."),
) -> None:
    """Every registered reason code, its owner, meaning and whether it is transient."""

    def body(out: Output) -> None:
        reasons = all_reasons()
        if markdown:
            typer.echo(render_markdown(reasons), nl=False)
            return
        if not json_mode:
            out.table(
                "reason codes",
                ["code", "owner", "transient", "meaning"],
                [[r.code, r.owner, r.transient, r.meaning] for r in reasons],
            )
        out.result({"reasons": [{"code": r.code, "owner": r.owner, "meaning": r.meaning} for r in reasons]})

    run_command(json_mode, body)
