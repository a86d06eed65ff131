"""The lane's process specs: the real `fp` commands under their roles, no secret in the evidence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fraud_platform.config import Profile, profile_from_document
from fraud_platform.config.shipped import raw_profile
from fraud_platform.operate.lane.specs import child_env, ig_spec, wsp_spec

_SECRET = "do-not-log-this-secret-value"


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    document = raw_profile("local_parity")
    document["ig"] = {**document["ig"], "url": "http://127.0.0.1:40123"}
    env = {"FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:1", "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:2"}
    env |= {
        "FP_LOCAL_STATE_DSN": "sqlite:///x.sqlite",
        "FP_LOCAL_IG_PORT": "40123",
        "AWS_SECRET_ACCESS_KEY": _SECRET,
    }
    return profile_from_document(document, name="local_parity", env=env, fp_home=tmp_path)


def test_children_run_this_interpreter_under_their_roles(profile: Profile, tmp_path: Path) -> None:
    env = child_env(profile)
    assert env["FP_HOME"] == str(tmp_path) and env["FP_LOCAL_IG_PORT"] == "40123"
    ig = ig_spec(profile, env, tmp_path)
    wsp = wsp_spec(profile, env, tmp_path, "platform_20261203T080000Z", 20)
    assert ig.argv[:3] == (sys.executable, "-m", "fraud_platform.cli") == wsp.argv[:3]
    assert ig.argv[3:5] == ("ig", "serve") and ig.argv[-2:] == ("--port", "40123") and ig.role == "ig"
    assert ig.ready.describe() == {"kind": "http", "url": "http://127.0.0.1:40123/readyz"}
    assert wsp.expect_exit and not ig.expect_exit and wsp.role == "wsp"
    assert "--once" in wsp.argv and wsp.argv[wsp.argv.index("--max-events-per-output") + 1] == "20"


def test_the_evidence_of_a_spec_names_env_keys_never_values(profile: Profile, tmp_path: Path) -> None:
    described = str(ig_spec(profile, child_env(profile), tmp_path).describe())
    assert "AWS_SECRET_ACCESS_KEY" in described and _SECRET not in described
