"""Process specs, probes, log tails and event records: validation and redaction, no processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.core.redact import REDACTED, register_secret
from fraud_platform.operate._reasons import PROCESS_SPEC_INVALID
from fraud_platform.operate.processes import (
    AliveFor,
    Deadlines,
    HttpReady,
    PredicateReady,
    ProcessEvent,
    ProcessEventKind,
    ProcessSpec,
    RestartPolicy,
    Supervisor,
    log_tail,
)

_SECRET = "unit-spec-secret-98765"


def _spec(tmp_path: Path, **overrides: object) -> ProcessSpec:
    fields: dict[str, object] = {
        "name": "ig",
        "argv": ("/usr/bin/python3", "-m", "fraud_platform.cli", "ig", "serve"),
        "role": "ig",
        "cwd": tmp_path,
        "log_path": tmp_path / "ig.log",
        "ready": AliveFor(1.0),
        "env": {"AWS_SECRET_ACCESS_KEY": _SECRET, "AWS_ACCESS_KEY_ID": "ig-key"},
    }
    fields.update(overrides)
    return ProcessSpec(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "IG server"},
        {"argv": ()},
        {"argv": ("",)},
        {"role": "root"},
        {"restart": RestartPolicy(max_restarts=-1)},
        {"deadlines": Deadlines(ready_within_s=0.0)},
        {"deadlines": Deadlines(stop_within_s=-1.0)},
        {"env": {"AWS_SECRET_ACCESS_KEY": "short"}},
    ],
)
def test_malformed_specs_fail_closed(tmp_path: Path, overrides: dict[str, object]) -> None:
    with pytest.raises(FailClosed) as refused:
        _spec(tmp_path, **overrides)
    assert refused.value.code == PROCESS_SPEC_INVALID


def test_spec_never_shows_its_environment_values(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    described = spec.describe()
    assert described["env_names"] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    assert described["role"] == "ig" and described["ready"] == {"kind": "alive_for", "seconds": 1.0}
    assert _SECRET not in repr(spec) and _SECRET not in repr(described)
    assert spec.executable == "/usr/bin/python3"


def test_backoff_grows_and_is_capped() -> None:
    policy = RestartPolicy(max_restarts=5, backoff_s=0.5, factor=2.0, max_backoff_s=3.0)
    assert [policy.delay_before(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_duplicate_and_unknown_names_are_refused_before_anything_starts(tmp_path: Path) -> None:
    supervisor = Supervisor()
    with pytest.raises(FailClosed) as refused:
        supervisor.start([_spec(tmp_path), _spec(tmp_path)])
    assert refused.value.code == PROCESS_SPEC_INVALID and refused.value.refs["names"] == ["ig"]
    assert supervisor.events == ()
    with pytest.raises(FailClosed) as unknown:
        supervisor.wait_exit("wsp", 1.0)
    assert unknown.value.code == PROCESS_SPEC_INVALID


def test_log_tail_keeps_the_last_lines_redacted(tmp_path: Path) -> None:
    register_secret(_SECRET)
    log = tmp_path / "child.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)) + f"secret={_SECRET}\n")
    tail = log_tail(log, max_bytes=200, max_lines=3)
    assert tail.splitlines() == ["line 98", "line 99", f"secret={REDACTED}"]
    assert log_tail(tmp_path / "absent.log") == ""
    whole = log_tail(log, max_bytes=10_000, max_lines=1_000)
    assert whole.splitlines()[0] == "line 0"


def test_log_tail_drops_a_cut_first_line(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    log.write_text("a" * 50 + "\nlast\n")
    assert log_tail(log, max_bytes=20) == "last"


def test_http_probe_accepts_only_loopback_http() -> None:
    for url in ("https://127.0.0.1:1/readyz", "http://0.0.0.0:1/readyz", "http://example.com/readyz"):
        with pytest.raises(FailClosed) as refused:
            HttpReady(url)
        assert refused.value.code == PROCESS_SPEC_INVALID and refused.value.refs["url"] == url


def test_alive_for_and_predicate_probes() -> None:
    assert AliveFor(0.5).is_ready(0.4) is False and AliveFor(0.5).is_ready(0.5) is True
    answers = iter([False, True])
    probe = PredicateReady("ready fact exists", lambda: next(answers))
    assert [probe.is_ready(0.0), probe.is_ready(0.0)] == [False, True]
    assert probe.describe() == {"kind": "predicate", "description": "ready fact exists"}


def test_event_to_json_is_plain() -> None:
    event = ProcessEvent(
        "wsp", ProcessEventKind.DIED, 42, 1, "2026-01-01T00:00:00Z", exit_code=-9, log_tail="x"
    )
    assert event.to_json() == {
        "name": "wsp",
        "kind": "died",
        "pid": 42,
        "attempt": 1,
        "at_utc": "2026-01-01T00:00:00Z",
        "exit_code": -9,
        "detail": "",
        "log_tail": "x",
    }
