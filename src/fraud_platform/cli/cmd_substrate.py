"""Start, stop and inspect the local substrates (SeaweedFS S3 API + tansu Kafka API) in FP_HOME."""

from __future__ import annotations

import typer

from fraud_platform.cli.options import JsonFlag, ProfileOption
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import LOCAL_PARITY, fp_home
from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.local import down, status, up
from fraud_platform.substrate.local._reasons import SUBSTRATE_NOT_RUNNING, SUBSTRATE_PROFILE_UNSUPPORTED

NAME = "substrate"
app = typer.Typer(no_args_is_help=True)


def _require_local(profile: str) -> None:
    if profile != "local_parity":
        raise FailClosed(SUBSTRATE_PROFILE_UNSUPPORTED, f"profile {profile!r} has no local substrates", {})


@app.command("up")
def up_command(
    kafka_storage: str = typer.Option(
        "s3", "--kafka-storage", metavar="s3|memory", help="tansu storage: s3 (on SeaweedFS) or memory."
    ),
    profile: ProfileOption = LOCAL_PARITY,
    json_mode: JsonFlag = False,
) -> None:
    """Start SeaweedFS and tansu on free loopback ports (idempotent) and write local_pins.json."""

    def body(out: Output) -> None:
        _require_local(profile)
        if kafka_storage not in ("s3", "memory"):
            raise typer.BadParameter("--kafka-storage must be s3 or memory")
        home = fp_home()
        out.info(f"FP_HOME {home}")
        result = up(home, kafka_storage=kafka_storage)
        state = result.state
        out.info("already running and healthy" if result.already_running else "started and ready")
        out.result(
            {
                "already_running": result.already_running,
                "fp_home": str(home),
                "s3_endpoint": state.s3_endpoint,
                "kafka_bootstrap": state.kafka_bootstrap,
                "kafka_storage": state.kafka_storage,
                "pids": {name: record.pid for name, record in state.processes.items()},
                "pins_file": str(home / "local_pins.json"),
            }
        )

    run_command(json_mode, body)


@app.command("down")
def down_command(profile: ProfileOption = LOCAL_PARITY, json_mode: JsonFlag = False) -> None:
    """Stop the recorded substrate processes by PID and wait until their ports are free (idempotent)."""

    def body(out: Output) -> None:
        _require_local(profile)
        home = fp_home()
        result = down(home)
        out.info("stopped " + ", ".join(result.stopped) if result.stopped else "nothing was running")
        out.result({"fp_home": str(home), "was_running": result.was_running, "stopped": list(result.stopped)})

    run_command(json_mode, body)


@app.command("status")
def status_command(profile: ProfileOption = LOCAL_PARITY, json_mode: JsonFlag = False) -> None:
    """What runs, whether each PID is alive and answers its protocol probe; exit 2 unless all healthy."""

    def body(out: Output) -> None:
        _require_local(profile)
        home = fp_home()
        report = status(home)
        payload = {"fp_home": str(home), **report.to_json()}
        if not json_mode and report.processes:
            out.table(
                "local substrates",
                ["name", "pid", "alive", "healthy", "ports"],
                [[h.name, h.pid, h.alive, h.healthy, h.ports] for h in report.processes],
            )
        if not report.healthy:
            raise CheckFailed(SUBSTRATE_NOT_RUNNING, payload)
        out.result(payload)

    run_command(json_mode, body)
