"""A WSP process for the crash tests: `python wsp_child.py SPEC_JSON` runs one `consume --once`.

The spec carries the profile document (the test's buckets and state DSN), the platform run, the IG
token and the stream options; the process prints the outcome as one JSON line. It is a separate
process so that the test can SIGKILL it mid-stream, as an operator's `kill -9` would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fraud_platform.config import profile_from_document
from fraud_platform.wsp import RetryPolicy, StreamOptions, WspRuntime


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    profile = profile_from_document(
        spec["profile"], name="local_parity", env=spec["env"], fp_home=Path(spec["fp_home"])
    )
    options = StreamOptions(max_events_per_output=spec["cap"], batch_size=spec["batch_size"])
    policy = RetryPolicy(max_attempts=5, base_s=0.05, cap_s=0.2)
    with WspRuntime.open(profile, spec["token"], role="operator", policy=policy) as runtime:
        report = runtime.consume(spec["platform_run_id"], options, once=True, wait_s=60)
    ready = report.ready
    print(json.dumps(ready.to_json() if ready is not None else None), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
