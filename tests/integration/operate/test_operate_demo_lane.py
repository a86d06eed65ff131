"""`make demo`'s entry point to a verified PASS (a small world, cap 20 per output), checked from outside.

The demo runs in the session's bootstrapped FP_HOME, whose substrates already run: that saves the
start-up a fresh home would cost (the fresh-home path is what `make demo` itself exercises) and
proves the demo leaves substrates it did not start running. It bootstraps (converging), lands,
seals, sorts and points at its world, runs `fp run lane` and `fp run verify` as children and writes
the report page to disk. Then the run is checked independently: `fp run verify` passes on the
bundle and the page on disk is byte for byte the one `run_completed.json` names.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import load_profile
from fraud_platform.obs.closure import verify_closure
from fraud_platform.operate.context import OperateContext
from fraud_platform.substrate.local import substrates

pytestmark = [pytest.mark.integration, pytest.mark.slow]

_RUN_LINE = re.compile(r"run\s+(platform_\d{8}T\d{6}Z)")


def test_the_demo_runs_the_lane_to_a_verified_pass_with_the_report_on_disk(
    bootstrapped: BootstrappedSubstrates,
) -> None:
    home = bootstrapped.fp_home
    env = {**os.environ, "FP_HOME": str(home), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "fraud_platform.operate.demo", "--events-per-output", "20", "--flows", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "verdict   PASS   (fp run verify passes)" in output, output
    found = _RUN_LINE.search(output.split("demo passed", 1)[-1])
    assert found is not None, output
    run_id = found.group(1)
    page = home / "reports" / f"{run_id}.html"
    assert str(page) in output
    assert "already running; the demo leaves them running" in output
    assert substrates(home).env == bootstrapped.env  # still up, on the same ports

    child_env = {**os.environ, **bootstrapped.env}
    verify = subprocess.run(
        [sys.executable, "-m", "fraud_platform.cli", "run", "verify", run_id, "--json"],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    last = json.loads(verify.stdout.strip().splitlines()[-1])
    assert (last["ok"], last["verdict"], last["platform_run_id"]) == (True, "PASS", run_id)
    profile = load_profile("local_parity", env=child_env, fp_home=home)
    with OperateContext(profile) as ctx:
        commit, files = verify_closure(ctx.store, ctx.run(run_id))
    assert commit.document["summary"]["verdict"] == "PASS"
    assert commit.document["summary"]["cap"] == 20
    assert page.read_bytes() == files["report.html"]
