"""No registered secret ever reaches a log line or an evidence object.

Runs the operator commands for real (subprocesses writing FP_HOME/logs and the evidence bucket),
then greps every platform file under FP_HOME and every object in the evidence bucket for every
secret registered in this process (every role's secret key, the DSN password if any).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates
from fraud_platform.config import ROLES, Profile, role_credentials
from fraud_platform.core.redact import registered_secrets
from fraud_platform.substrate import factory
from fraud_platform.substrate.objectstore.port import S3Location

pytestmark = pytest.mark.integration

_FP = str(Path(sys.executable).parent / "fp")
# The secret stores themselves, and the substrates' own storage (objects are checked through S3).
_NOT_SCANNED = ("credentials/roles.json", "seaweedfs/identities.json")
_SUBSTRATE_INTERNALS = ("seaweedfs/data/", "state/", "tansu/")


@pytest.fixture(scope="module")
def profile(bootstrapped: BootstrappedSubstrates) -> Profile:
    return bootstrapped.profile


def _register_every_role_secret(profile: Profile) -> list[str]:
    """Load every role's keys in this process, which registers each secret for redaction."""
    return [role_credentials(profile, role).secret_access_key for role in ROLES]


def test_no_registered_secret_in_logs_or_evidence(
    bootstrapped: BootstrappedSubstrates, profile: Profile
) -> None:
    env = {**os.environ, **bootstrapped.env}
    minted = subprocess.run(
        [_FP, "run", "new", "--json"], env=env, capture_output=True, text=True, timeout=180
    )
    assert minted.returncode == 0, minted.stderr
    run_id = json.loads(minted.stdout.splitlines()[-1])["platform_run_id"]
    checked = subprocess.run(
        [_FP, "run", "preflight", "--run", run_id, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert checked.returncode == 0, checked.stderr
    listed = subprocess.run(
        [_FP, "run", "evidence", "--run", run_id, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert listed.returncode == 0, listed.stderr

    role_secrets = _register_every_role_secret(profile)
    secrets = registered_secrets()
    assert role_secrets and set(role_secrets) <= secrets

    home = bootstrapped.fp_home
    scanned: list[str] = []
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home).as_posix()
        if not path.is_file() or relative in _NOT_SCANNED or relative.startswith(_SUBSTRATE_INTERNALS):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = sum(secret in text for secret in secrets)
        assert not leaked, f"{relative} contains {leaked} registered secret(s)"
        scanned.append(relative)
    assert "logs/operate.jsonl" in scanned
    # The grep does find a secret where one is kept on purpose (the roles file), so a clean scan means something.
    assert any(secret in (home / "credentials" / "roles.json").read_text() for secret in role_secrets)

    store = factory.open_object_store(bootstrapped.operator)
    evidence = S3Location(profile.object_store.evidence_bucket, "")
    keys = [info.key for info in store.list(evidence)]
    assert f"evidence/runs/{run_id}/run.json" in keys
    for key in keys:
        text = store.get(S3Location(evidence.bucket, key)).decode("utf-8", errors="replace")
        leaked = sum(secret in text for secret in secrets)
        assert not leaked, f"s3://{evidence.bucket}/{key} contains {leaked} registered secret(s)"
    for output in (
        minted.stdout + minted.stderr,
        checked.stdout + checked.stderr,
        listed.stdout + listed.stderr,
    ):
        assert not sum(secret in output for secret in secrets)
