"""`fp config show` and `fp config pins`: resolved, redacted, with the digest; refusals exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fraud_platform.cli.app import app
from fraud_platform.config import config_digest, load_profile

EnvFactory = Callable[..., dict[str, str]]


@pytest.fixture
def cli_env(
    isolated_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, str]], None]:
    """Set variables in the (already scrubbed, per-test) process environment the CLI reads."""

    def apply(variables: dict[str, str]) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return apply


def _last_json(output: str) -> dict[str, Any]:
    line: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return line


def test_show_local_parity_json(cli_env: Callable[[dict[str, str]], None], local_env: dict[str, str]) -> None:
    cli_env(local_env)
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    line = _last_json(result.stdout)
    assert line["ok"] is True and line["rehearsal"] is False and line["profile"]["profile"] == "local_parity"
    assert line["profile"]["bus"]["bootstrap"] == "127.0.0.1:19092"
    assert line["config_digest"] == config_digest(load_profile("local_parity", env=local_env))


def test_show_dev_min_redacts_secrets_in_both_modes(
    cli_env: Callable[[dict[str, str]], None], dev_min_env: EnvFactory
) -> None:
    cli_env(dev_min_env())
    runner = CliRunner()
    as_json = runner.invoke(app, ["config", "show", "--profile", "dev_min", "--json"])
    for_people = runner.invoke(app, ["config", "show", "--profile", "dev_min"])
    assert as_json.exit_code == 0 and for_people.exit_code == 0, as_json.output + for_people.output
    line = _last_json(as_json.stdout)
    assert line["profile"]["bus"]["api_secret"] == "***REDACTED***"
    assert line["profile"]["state"]["dsn"].startswith("postgresql+psycopg://fp_app:***REDACTED***@")
    for output in (as_json.stdout, as_json.stderr, for_people.stdout):
        for secret in ("CKAPIKEY0123456789", "cfltSecret/with+base64=chars", "pg-Pa55word-xyz"):
            assert secret not in output
    assert "bus.api_secret" in for_people.stdout and "***REDACTED***" in for_people.stdout


def test_show_rehearsal_flag(
    cli_env: Callable[[dict[str, str]], None], rehearsal_env: dict[str, str]
) -> None:
    cli_env(rehearsal_env)
    runner = CliRunner()
    refused = runner.invoke(app, ["config", "show", "--profile", "dev_min", "--json"])
    assert refused.exit_code == 2 and _last_json(refused.stdout)["code"] == "DEV_MIN_SQLITE_REFUSED"
    result = runner.invoke(app, ["config", "show", "--profile", "dev_min", "--rehearsal", "--json"])
    assert result.exit_code == 0, result.output
    line = _last_json(result.stdout)
    assert line["rehearsal"] is True and line["profile"]["rehearsal"] is True


def test_show_refusals_exit_2_with_the_code(cli_env: Callable[[dict[str, str]], None], fp_home: Path) -> None:
    cli_env({"FP_HOME": str(fp_home)})
    runner = CliRunner()
    missing = runner.invoke(app, ["config", "show", "--json"])
    assert missing.exit_code == 2
    line = _last_json(missing.stdout)
    assert line["code"] == "PIN_MISSING" and "FP_LOCAL_S3_ENDPOINT" in line["detail"]
    unknown = runner.invoke(app, ["config", "show", "--profile", "staging", "--json"])
    assert unknown.exit_code == 2 and _last_json(unknown.stdout)["code"] == "PROFILE_UNKNOWN"


def test_pins_lists_sources_and_fails_on_a_missing_pin(
    cli_env: Callable[[dict[str, str]], None], local_env: dict[str, str], dev_min_env: EnvFactory
) -> None:
    cli_env({**local_env, **dev_min_env(DEV_MIN_IG_URL=None)})
    runner = CliRunner()
    local = runner.invoke(app, ["config", "pins", "--json"])
    assert local.exit_code == 0, local.output
    assert {pin["source"] for pin in _last_json(local.stdout)["pins"]} == {"local_pins.json"}
    dev_min = runner.invoke(app, ["config", "pins", "--profile", "dev_min", "--json"])
    assert dev_min.exit_code == 2
    line = _last_json(dev_min.stdout)
    assert line["code"] == "PIN_MISSING" and line["missing"] == ["DEV_MIN_IG_URL"]
    assert "cfltSecret" not in dev_min.stdout
