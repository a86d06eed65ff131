"""The engine interface: synthetic worlds, the output catalogue and gate verification of a local world."""

from __future__ import annotations

from pathlib import Path

import typer

from fraud_platform.cli.options import JsonFlag, WorldDirOption
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.engine import LocalWorldReader, load_catalogue, read_run_receipt, verify_gates_for_outputs
from fraud_platform.engine.gates import gate_status_code
from fraud_platform.engine.synth import (
    DEFAULT_DAYS,
    DEFAULT_FILES_PER_OUTPUT,
    parse_layout,
    synth_step_count,
    synthesize_world,
)

NAME = "engine"
app = typer.Typer(no_args_is_help=True)


@app.command("synth")
def synth(
    out_dir: Path = typer.Option(
        ..., "--out", metavar="PATH", help="Parent folder; the world is written to OUT/<engine_run_id>/."
    ),
    seed: int = typer.Option(..., "--seed", metavar="N", min=0, help="World seed (uint64)."),
    scenario_id: str = typer.Option(
        ..., "--scenario-id", metavar="SCENARIO_ID", help="Scenario id written into every row and path."
    ),
    flows: int = typer.Option(..., "--flows", metavar="N", min=1, help="Number of flows (1..6 events each)."),
    files_per_output: int = typer.Option(
        DEFAULT_FILES_PER_OUTPUT, "--files-per-output", metavar="N", min=1, help="Parquet parts per output."
    ),
    days: int = typer.Option(
        DEFAULT_DAYS, "--days", metavar="N", min=1, help="Days the timestamps spread over."
    ),
    fraud_stream_layout: str = typer.Option(
        "many",
        "--fraud-stream-layout",
        metavar="LAYOUT",
        help="s3_event_stream_with_fraud_6B as one file per scenario (single, upstream HEAD) or cut in parts (many).",
    ),
    json_mode: JsonFlag = False,
) -> None:
    """Write a complete, sealed synthetic world (deterministic: same arguments, same bytes)."""

    def body(out: Output) -> None:
        with out.progress() as progress:
            task = progress.add_task("synth", total=synth_step_count())

            def on_step(label: str) -> None:
                progress.update(task, advance=1, description=label)

            info = synthesize_world(
                out_dir,
                seed,
                scenario_id,
                flows,
                files_per_output,
                days,
                fraud_stream_layout=parse_layout(fraud_stream_layout),
                on_step=on_step,
            )
        out.result(info.to_json())

    run_command(json_mode, body)


@app.command("verify")
def verify(
    root: WorldDirOption,
    output_ids: list[str] = typer.Option(
        [],
        "--output",
        metavar="OUTPUT_ID",
        help="Output id to authorise (repeatable); default: every catalogue output.",
    ),
    json_mode: JsonFlag = False,
) -> None:
    """Verify the gates (with all upstream gates) that authorise reading the outputs of a local world."""

    def body(out: Output) -> None:
        reader = LocalWorldReader(root)
        receipt = read_run_receipt(reader)
        wanted = output_ids or list(load_catalogue().output_ids)
        verdict = verify_gates_for_outputs(reader, receipt.manifest_fingerprint, wanted)
        if not json_mode:
            out.table(
                "gates",
                ["gate", "status", "detail"],
                [[r.gate_id, r.status, r.detail] for r in verdict.results],
            )
        payload = {"engine_run_id": receipt.run_id, **verdict.to_json()}
        if not json_mode:
            payload.pop("gates")  # the table above already shows them
        if not verdict.ok:
            raise CheckFailed(gate_status_code(verdict.status), payload)
        out.result(payload)

    run_command(json_mode, body)


@app.command("catalogue")
def catalogue(json_mode: JsonFlag = False) -> None:
    """The engine outputs (role, path template, keys, gates, topic) and the gate map."""

    def body(out: Output) -> None:
        cat = load_catalogue()
        if not json_mode:
            out.table(
                "outputs",
                ["output_id", "role", "primary key", "sort keys", "topic"],
                [
                    [s.output_id, s.role, ",".join(s.primary_key), ",".join(s.sort_keys), s.topic or "-"]
                    for s in cat.outputs
                ],
            )
            out.table(
                "gates",
                ["gate_id", "upstream", "flag", "method", "index", "base"],
                [
                    [g.gate_id, len(g.upstream), g.flag_format, g.method, g.index_file or "-", g.path_base]
                    for g in cat.gates
                ],
            )
        out.result(
            {
                "outputs": [spec.model_dump(mode="json") for spec in cat.outputs],
                "gates": [gate.model_dump(mode="json") for gate in cat.gates],
                "default_stream_outputs": list(cat.default_stream_outputs),
            }
        )

    run_command(json_mode, body)
