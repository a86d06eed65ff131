"""Human result summaries: readable at a glance, never a dump, never a secret; `--json` untouched."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer

from fraud_platform.cli.output import FULL_RESULT_HINT, Output, summary_lines
from fraud_platform.cli.runner import EXIT_REFUSED, run_command
from fraud_platform.core._reasons import INTERNAL_ERROR
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import REDACTED, register_secret

_SECRET = "s3cr3t-value-for-output-tests"


def _human(payload: dict[str, Any], capsys: pytest.CaptureFixture[str], *, ok: bool = True) -> list[str]:
    Output(json_mode=False).result(payload, ok=ok, code="OK" if ok else "CHECK_FAILED")
    return capsys.readouterr().out.splitlines()


def test_scalars_print_as_key_value_lines_without_the_hint(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _human({"platform_run_id": "run-1", "events": 12, "rehearsal": False, "left": None}, capsys)
    assert lines == ["OK", "  platform_run_id: run-1", "  events: 12", "  rehearsal: False", "  left: None"]


def test_a_small_mapping_of_scalars_opens_one_level_down() -> None:
    counters = {"sent": 10, "admitted": 9, "duplicate": 1}
    assert summary_lines({"counters": counters}) == [
        "  counters:",
        "    sent: 10",
        "    admitted: 9",
        "    duplicate: 1",
    ]


def test_nested_mappings_beyond_one_level_collapse_to_their_size_with_the_hint() -> None:
    payload = {
        "verdict": "PASS",
        "removed": {"objects": 12, "state_rows": {"ig_admission_v1": 120}, "consumer_groups": ["g1"]},
        "counters": {"arrival_events_5B": {"sent": 3}, "s1_arrival_entities_6B": {"sent": 3}},
        "profile": {f"key{i}": i for i in range(9)},
    }
    assert summary_lines(payload) == [
        "  verdict: PASS",
        "  removed:",
        "    objects: 12",
        "    state_rows: 1 key",
        "    consumer_groups: [g1]",
        "  counters: 2 keys",
        "  profile: 9 keys",
        f"  {FULL_RESULT_HINT}",
    ]


def test_long_lists_collapse_and_short_lists_of_scalars_stay_inline() -> None:
    payload = {
        "objects": [{"uri": f"s3://b/{i}", "size": i} for i in range(3)],
        "ids": list(range(40)),
        "outputs": ["a", "b"],
        "empty": [],
        "refs": {},
    }
    assert summary_lines(payload) == [
        "  objects: 3 items",
        "  ids: 40 items",
        "  outputs: [a, b]",
        "  empty: []",
        "  refs: {}",
        f"  {FULL_RESULT_HINT}",
    ]


def test_markup_like_values_print_as_data(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _human({"grant": "auditor:Write:bucket[/prefix]", "style": "[bold]x[/bold]"}, capsys)
    assert lines[1:] == ["  grant: auditor:Write:bucket[/prefix]", "  style: [bold]x[/bold]"]


def test_a_table_prints_cells_that_look_like_markup_as_data(capsys: pytest.CaptureFixture[str]) -> None:
    Output(json_mode=False).table("t", ["meaning"], [["ROLE:VERB:bucket[/prefix]"]])
    assert "bucket[/prefix]" in capsys.readouterr().out


def test_secrets_are_redacted_before_the_summary_is_laid_out(capsys: pytest.CaptureFixture[str]) -> None:
    register_secret(_SECRET)
    payload = {
        "dsn": f"postgresql://fp:{_SECRET}@db/fp",
        "credentials": {"aws_secret_access_key": "plain-but-secret-named"},
        "nested": {"roles": {"api_token": "tok-123456789"}},
    }
    out = "\n".join(_human(payload, capsys))
    assert _SECRET not in out
    assert "plain-but-secret-named" not in out
    assert "tok-123456789" not in out
    assert f"  dsn: postgresql://fp:{REDACTED}@db/fp" in out
    assert f"  credentials: {REDACTED}" in out


def test_json_mode_prints_the_whole_redacted_payload_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    register_secret(_SECRET)
    payload = {"objects": [{"uri": f"s3://b/{i}", "size": i} for i in range(20)], "dsn": f"x{_SECRET}"}
    Output(json_mode=True).result(payload)
    captured = capsys.readouterr()
    expected = {"ok": True, "code": "OK", "objects": payload["objects"], "dsn": f"x{REDACTED}"}
    assert captured.out == json.dumps(expected, sort_keys=True) + "\n"
    assert FULL_RESULT_HINT not in captured.out + captured.err


def test_a_refusal_whose_detail_looks_like_markup_prints_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def body(_out: Output) -> None:
        raise FailClosed(INTERNAL_ERROR, "'x' is not ROLE:VERB:bucket[/prefix]", {"grant": "a[/b]"})

    with pytest.raises(typer.Exit) as exited:
        run_command(False, body)
    assert exited.value.exit_code == EXIT_REFUSED
    out = capsys.readouterr().out
    assert "ROLE:VERB:bucket[/prefix]" in out
    assert "a[/b]" in out
