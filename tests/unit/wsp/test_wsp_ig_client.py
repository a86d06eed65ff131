"""The IG client: what is retried, what is terminal, and what a 200 must contain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pyarrow as pa
import pytest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.eb.envelope import Envelope
from fraud_platform.wsp.envelopes import EnvelopeBuilder
from fraud_platform.wsp.ig_client import IgClient
from fraud_platform.wsp.retry import RetryPolicy, parse_retry_after


def _events(kit: Any, n: int = 3) -> list[Envelope]:
    builder = EnvelopeBuilder(kit.output, kit.platform_run, kit.scenario_run, kit.world)
    batch = pa.RecordBatch.from_pydict(
        {
            "flow_id": pa.array(range(n), pa.int64()),
            "event_seq": pa.array([0] * n, pa.int64()),
            "ts_utc": ["2026-01-01T00:00:00.000000Z"] * n,
        }
    )
    return builder.build(batch)


def test_503_with_retry_after_then_200_is_retried_and_honours_retry_after(
    kit: Any, make_client: Callable[..., IgClient]
) -> None:
    ig = kit.fake_ig(script={1: httpx.Response(503, headers={"Retry-After": "0.04"}), 2: httpx.Response(429)})
    slept: list[float] = []
    answer = make_client(ig, slept=slept).send(_events(kit))
    assert [d.decision for d in answer.decisions] == ["ADMIT"] * 3
    assert ig.calls == 3
    assert slept[0] >= 0.04  # Retry-After beats the (smaller) backoff
    assert all(auth == "Bearer tok-secret-123" for auth in ig.seen_auth)


def test_connection_errors_and_timeouts_are_retried(kit: Any, make_client: Callable[..., IgClient]) -> None:
    ig = kit.fake_ig()
    failures = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])

    def handler(request: httpx.Request) -> httpx.Response:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return ig(request)

    client = IgClient(
        "http://127.0.0.1:9",
        "tok-secret-456",
        policy=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.01),
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )
    assert len(client.send(_events(kit)).decisions) == 3
    assert client.attempts == 3


def test_retry_budget_exhausted_is_transient_and_keeps_the_token_out(
    kit: Any, make_client: Callable[..., IgClient]
) -> None:
    ig = kit.fake_ig(script={i: httpx.Response(503) for i in range(1, 10)})
    with pytest.raises(TransientError) as raised:
        make_client(ig, attempts=4).send(_events(kit))
    assert raised.value.code == "WSP_IG_UNAVAILABLE" and ig.calls == 4
    assert "tok-secret-123" not in str(raised.value.to_json())


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "WSP_IG_REFUSED"),
        (401, "WSP_IG_REFUSED"),
        (413, "WSP_IG_REFUSED"),
        (500, "WSP_IG_SERVER_ERROR"),
        (502, "WSP_IG_SERVER_ERROR"),
    ],
)
def test_other_4xx_and_5xx_are_terminal_without_retry(
    kit: Any, make_client: Callable[..., IgClient], status: int, code: str
) -> None:
    ig = kit.fake_ig(script={1: httpx.Response(status, text="no")})
    with pytest.raises(FailClosed) as raised:
        make_client(ig).send(_events(kit))
    assert raised.value.code == code and ig.calls == 1


def test_a_200_without_one_decision_per_event_in_order_is_refused(
    kit: Any, make_client: Callable[..., IgClient]
) -> None:
    events = _events(kit)
    reordered = [
        {"event_id": e.event_id, "decision": "ADMIT", "reason_code": None, "receipt_id": "r", "eb_ref": None}
        for e in reversed(events)
    ]
    ig = kit.fake_ig(
        script={
            1: httpx.Response(200, json={"batch_id": "b", "decisions": reordered}),
            2: httpx.Response(200, json={"nope": 1}),
        }
    )
    client = make_client(ig)
    for _ in range(2):
        with pytest.raises(FailClosed) as raised:
            client.send(events)
        assert raised.value.code == "WSP_IG_RESPONSE_INVALID"


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=4.0)
    delays = [policy.delay(n) for n in range(1, 7)]
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0
    assert all(d <= 4.0 for d in delays)
    assert policy.delay(1, retry_after_s=100.0) == 4.0  # Retry-After is bounded by the cap
    assert parse_retry_after("2") == 2.0 and parse_retry_after("Wed, 21 Oct 2015") is None


def test_event_ids_are_deterministic_and_follow_the_contract(kit: Any) -> None:
    first, again = _events(kit), _events(kit)
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert len({e.event_id for e in first}) == 3
    assert first[0].payload == {"flow_id": 0, "event_seq": 0, "ts_utc": "2026-01-01T00:00:00.000000Z"}
    assert first[0].producer == "wsp" and first[0].event_type == kit.output
