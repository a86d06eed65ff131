"""The CLI contract: exit codes, the one-line JSON failure object, real metavars, read-only roles."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.testing import CliRunner

from fraud_platform.cli import app as app_module
from fraud_platform.cli.options import READ_ONLY_ROLE
from fraud_platform.cli.runner import EXIT_BUG, EXIT_REFUSED, EXIT_USAGE, CheckFailed, run_command
from fraud_platform.core._reasons import INTERNAL_ERROR
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.reasons import all_reasons

_FAILURE_KEYS = {"ok", "code", "detail", "refs", "transient"}


def _last_json_line(text: str) -> dict[str, object]:
    line = text.strip().splitlines()[-1]
    parsed = json.loads(line)
    assert isinstance(parsed, dict)
    return parsed


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "conformance", "--bogus", "--json"],
        ["config", "show", "--json", "--profile"],
        ["engine", "synth", "--json"],
        [
            "engine",
            "synth",
            "--out",
            "/tmp/x",
            "--seed",
            "minus-one",
            "--scenario-id",
            "s",
            "--flows",
            "1",
            "--json",
        ],
    ],
)
def test_a_usage_error_under_json_ends_stdout_with_usage_error_and_exits_64(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = app_module.run(argv)
    captured = capsys.readouterr()
    assert code == EXIT_USAGE == 64
    failure = _last_json_line(captured.out)
    assert set(failure) == _FAILURE_KEYS
    assert failure["ok"] is False
    assert failure["code"] == "USAGE_ERROR"
    assert failure["transient"] is False
    assert str(failure["detail"])
    refs = failure["refs"]
    assert isinstance(refs, dict)
    assert str(refs["command"]).startswith("fp")


def test_a_usage_error_without_json_prints_no_json_and_still_exits_64(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = app_module.run(["config", "conformance", "--bogus"])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    assert captured.out.strip() == ""
    assert "No such option" in captured.err


def test_a_refusal_exits_2_with_the_failure_object(capsys: pytest.CaptureFixture[str]) -> None:
    code = app_module.run(["config", "show", "--profile", "no_such_profile", "--json"])
    failure = _last_json_line(capsys.readouterr().out)
    assert code == EXIT_REFUSED
    assert set(failure) == _FAILURE_KEYS
    assert failure["code"] == "PROFILE_UNKNOWN"
    assert failure["transient"] is False


def _invoke(body: object) -> tuple[int, dict[str, object]]:
    probe = typer.Typer()

    @probe.command()
    def go() -> None:
        run_command(True, body)  # type: ignore[arg-type]

    result = CliRunner().invoke(probe, [])
    return result.exit_code, _last_json_line(result.stdout)


def test_a_transient_failure_says_transient_true() -> None:
    transient = next(info.code for info in all_reasons() if info.transient)

    def body(_out: object) -> None:
        raise TransientError(transient, "the broker is away", {"broker": "127.0.0.1:1"})

    code, failure = _invoke(body)
    assert code == EXIT_REFUSED
    assert set(failure) == _FAILURE_KEYS
    assert failure["code"] == transient
    assert failure["transient"] is True


def test_fail_closed_check_failed_and_a_bug_each_carry_code_detail_and_refs() -> None:
    refused = next(info.code for info in all_reasons() if not info.transient)

    def refuse(_out: object) -> None:
        raise FailClosed(refused, "no", {"why": "test"})

    def check_fails(_out: object) -> None:
        raise CheckFailed(refused, {"problems": 3})

    def bug(_out: object) -> None:
        raise ZeroDivisionError("boom")

    for body, exit_code, code in (
        (refuse, EXIT_REFUSED, refused),
        (check_fails, EXIT_REFUSED, refused),
        (bug, EXIT_BUG, INTERNAL_ERROR),
    ):
        got_exit, failure = _invoke(body)
        assert got_exit == exit_code
        assert set(failure) >= _FAILURE_KEYS, failure
        assert failure["code"] == code
        assert failure["ok"] is False


_PLACEHOLDER = re.compile(r"<(str|int|bool|float|path|Path)>")


def _commands(group: typer.Typer, prefix: list[str]) -> list[list[str]]:
    found = [
        [*prefix, command.name or (command.callback.__name__ if command.callback else "")]
        for command in group.registered_commands
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        found += _commands(sub.typer_instance, [*prefix, sub.name or ""])
    return found


def test_help_shows_real_metavars_for_every_command() -> None:
    full = app_module.build_app()
    commands = _commands(full, [])
    assert len(commands) >= 15
    offenders: dict[str, list[str]] = {}
    for words in commands:
        result = CliRunner().invoke(full, [*words, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (words, result.output)
        bad = [
            line.strip()
            for line in result.output.splitlines()
            # Options only: Typer 0.29 renders a positional argument's type column itself.
            if _PLACEHOLDER.search(line) and " --" in line and "--help" not in line
        ]
        if bad:
            offenders[" ".join(words)] = bad
    assert offenders == {}


@pytest.mark.parametrize(
    ("words", "role"),
    [
        (["oracle", "check"], READ_ONLY_ROLE),
        (["oracle", "verify"], READ_ONLY_ROLE),
        (["oracle", "compare"], READ_ONLY_ROLE),
        (["oracle", "pointer", "show"], READ_ONLY_ROLE),
        (["sr", "status"], READ_ONLY_ROLE),
        (["run", "evidence"], "auditor"),
    ],
)
def test_read_only_commands_default_to_a_read_only_role(words: list[str], role: str) -> None:
    command = typer.main.get_command(app_module.build_app(words[0]))
    for word in words:
        command = command.commands[word]  # type: ignore[attr-defined]
    defaults = {param.name: param.default for param in command.params}
    assert defaults["role"] == role
