"""A WSP SIGKILLed mid-stream and restarted: no gap, and at most one batch resent (which IG dedupes).

WSP runs as its own process (wsp_child.py) against a loopback HTTP server standing in for IG (it
ADMITs new event ids and answers DUPLICATE for known ones, slowly enough to be killed mid-stream).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from fraud_platform.eb.envelope import event_id_for
from fraud_platform.sr.messages import WorldKey
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_CHILD = Path(__file__).with_name("wsp_child.py")
CAP = 60
BATCH = 5


class _Ig:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.admitted: dict[str, list[str]] = {}
        self.duplicates: dict[str, int] = {}


def _handler(ig: _Ig) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            events = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["events"]
            time.sleep(0.05)
            decisions = []
            with ig.lock:
                for event in events:
                    seen = ig.admitted.setdefault(event["event_type"], [])
                    duplicate = event["event_id"] in seen
                    if duplicate:
                        ig.duplicates[event["event_type"]] = ig.duplicates.get(event["event_type"], 0) + 1
                    else:
                        seen.append(event["event_id"])
                    decisions.append(
                        {
                            "event_id": event["event_id"],
                            "decision": "DUPLICATE" if duplicate else "ADMIT",
                            "reason_code": None,
                            "receipt_id": "r-" + event["event_id"][:16],
                            "eb_ref": None,
                        }
                    )
            body = json.dumps({"batch_id": "b", "decisions": decisions}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def loopback_ig() -> Iterator[tuple[_Ig, str]]:
    ig = _Ig()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ig))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ig, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _run_child(spec: Path, log: Path, *, kill_when: Callable[[], bool] | None = None) -> tuple[int, str]:
    """Run one WSP process to its end (or SIGKILL it once `kill_when()` holds); returns (rc, stdout)."""
    with (
        log.open("w") as err,
        subprocess.Popen(
            [sys.executable, str(_CHILD), str(spec)], stdout=subprocess.PIPE, stderr=err, text=True
        ) as child,
    ):
        if kill_when is None:
            out, _ = child.communicate(timeout=180)
            return child.returncode, out
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not kill_when():
            assert child.poll() is None, log.read_text()[-3000:]
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        return child.returncode, out


def test_sigkill_mid_stream_then_restart_leaves_no_gap_and_no_second_admission(
    ready_run: Callable[..., Any],
    wsp_document: dict[str, Any],
    wsp_site: Any,
    loopback_ig: tuple[_Ig, str],
    tmp_path: Path,
) -> None:
    ig, url = loopback_ig
    run = ready_run()
    document = {**wsp_document, "ig": {"url": url}}
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "profile": document,
                "env": wsp_site.substrates.env,
                "fp_home": str(wsp_site.substrates.fp_home),
                "platform_run_id": run.platform_run_id,
                "token": "wsp-it-token-0123456789",
                "cap": CAP,
                "batch_size": BATCH,
            }
        )
    )
    rc, _ = _run_child(
        spec, tmp_path / "first.log", kill_when=lambda: sum(map(len, ig.admitted.values())) >= 3 * BATCH
    )
    assert rc == -signal.SIGKILL
    at_kill = {output: len(ids) for output, ids in ig.admitted.items()}
    assert 0 < sum(at_kill.values()) < 2 * CAP  # killed mid-stream

    rc, out = _run_child(spec, tmp_path / "second.log")
    assert rc == 0, (tmp_path / "second.log").read_text()[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["outcome"] == "STREAMED" and not result["replayed"]

    signal_doc = json.loads(
        wsp_site.store.get(
            run.sr.runner.ledger(run.platform_run_id, run.scenario_run_id).ready_signal_location
        )
    )
    payload = signal_doc["payload"]
    world = WorldKey.model_validate(payload["world_key"])
    for output_id in payload["intended_outputs"]:
        expected = _first_ids(
            wsp_site, payload["oracle_pack_ref"]["stream_views"][output_id], output_id, world
        )
        assert ig.admitted[output_id] == expected  # every row once, in view order: no gap, no second copy
        assert ig.duplicates.get(output_id, 0) <= BATCH  # at most the one unacknowledged batch was resent
        counts = result["outputs"][output_id]
        assert counts["next_row"] == CAP and counts["admitted"] + counts["duplicate"] >= CAP - BATCH


def _first_ids(site: Any, locator: dict[str, str], output_id: str, world: WorldKey) -> list[str]:
    import io

    import pyarrow.parquet as pq

    manifest = json.loads(site.store.get(S3Location.parse(locator["view_manifest_uri"])))
    folder = locator["receipt_uri"].rsplit("/", 1)[0] + "/"
    ids: list[str] = []
    for part in manifest["parts"]:
        table = pq.read_table(io.BytesIO(site.store.get(S3Location.parse(folder + part["name"]))))
        ids.extend(event_id_for(output_id, [r["flow_id"], r["event_seq"]], world) for r in table.to_pylist())
        if len(ids) >= CAP:
            break
    return ids[:CAP]
