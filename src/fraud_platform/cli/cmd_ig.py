"""Ingestion Gate: `fp ig serve` runs the HTTP gate every event passes to reach the Event Bus."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

import typer

from fraud_platform.cli.options import JsonFlag, ProfileOption, RehearsalFlag
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import run_command
from fraud_platform.config import LOCAL_PARITY, load_profile
from fraud_platform.ig.server import serve as serve_ig
from fraud_platform.ig.settings import IgSettings

NAME = "ig"
app = typer.Typer(no_args_is_help=True)

_Host = Annotated[
    str, typer.Option("--host", metavar="HOST", help="Address to bind (loopback only locally).")
]
_Port = Annotated[
    int | None,
    typer.Option(
        "--port", metavar="N", help="TCP port to listen on (default: the port of the profile's ig.url)."
    ),
]
_Workers = Annotated[int, typer.Option("--workers", metavar="K", help="Server processes sharing the port.")]
_Rate = Annotated[
    float, typer.Option("--rate-limit", metavar="RPS", help="Requests per second per process (0: no limit).")
]
_Burst = Annotated[
    int,
    typer.Option("--rate-burst", metavar="N", help="Requests allowed at once before --rate-limit applies."),
]
_ClaimTtl = Annotated[
    float,
    typer.Option(
        "--claim-ttl-s", metavar="S", help="How long a publish claim holds before another IG may take it."
    ),
]
_MaxEvents = Annotated[
    int, typer.Option("--max-batch-events", metavar="N", help="Events per request (413 over).")
]
_MaxBody = Annotated[
    int, typer.Option("--max-body-bytes", metavar="N", help="Request body bytes (413 over).")
]
_MaxEvent = Annotated[
    int, typer.Option("--max-event-bytes", metavar="N", help="Bytes per event (EVENT_TOO_LARGE over).")
]


def _profile_port(profile: str, rehearsal: bool) -> int:
    """The port clients reach IG on (`ig.url` of the profile), so WSP and IG agree without a flag."""
    url = urlparse(load_profile(profile, rehearsal=True if rehearsal else None).ig.url)
    return url.port or (443 if url.scheme == "https" else 80)


@app.command()
def serve(
    profile: ProfileOption = LOCAL_PARITY,
    rehearsal: RehearsalFlag = False,
    host: _Host = "127.0.0.1",
    port: _Port = None,
    workers: _Workers = 1,
    rate_limit: _Rate = 0.0,
    rate_burst: _Burst = 50,
    claim_ttl_s: _ClaimTtl = 20.0,
    max_batch_events: _MaxEvents = 5000,
    max_body_bytes: _MaxBody = 16 * 1024 * 1024,
    max_event_bytes: _MaxEvent = 256 * 1024,
    json_mode: JsonFlag = False,
) -> None:
    """Serve IG until SIGTERM/SIGINT (`POST /v1/ingest/batch`, receipts, `/readyz`, `/metrics`)."""

    def body(out: Output) -> None:
        settings = IgSettings(
            max_body_bytes=max_body_bytes,
            max_batch_events=max_batch_events,
            max_event_bytes=max_event_bytes,
            rate_limit_rps=rate_limit,
            rate_burst=rate_burst,
            claim_ttl_s=claim_ttl_s,
        )
        chosen = port if port is not None else _profile_port(profile, rehearsal)
        out.info(f"IG serving on http://{host}:{chosen} ({workers} worker(s), profile {profile})")
        serve_ig(profile, rehearsal=rehearsal, host=host, port=chosen, workers=workers, settings=settings)
        out.result({"host": host, "port": chosen, "workers": workers, "stopped": True})

    run_command(json_mode, body)
