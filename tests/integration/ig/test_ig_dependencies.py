"""IG when a dependency is down (503 with Retry-After, never a 500), and a bounded fuzz of its OpenAPI."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from ig_support import IgSite, free_port, post_batch

pytestmark = pytest.mark.integration


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "IG_DEPENDENCY_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) >= 1


def test_state_store_down_is_503(ig_site: IgSite, start_ig, ready_run) -> None:
    dead = f"postgresql+psycopg://fp:unused-password@127.0.0.1:{free_port()}/fp"
    server = start_ig(env={"FP_LOCAL_STATE_DSN": dead})
    run = ready_run()
    _assert_unavailable(post_batch(server.url, ig_site.wsp_token, [run.baseline(1)]))
    _assert_unavailable(httpx.get(f"{server.url}/readyz", timeout=30))
    assert "unused-password" not in httpx.get(f"{server.url}/readyz", timeout=30).text


def test_broker_down_is_503(ig_site: IgSite, start_ig, ready_run) -> None:
    server = start_ig(env={"FP_LOCAL_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"})
    run = ready_run()
    _assert_unavailable(post_batch(server.url, ig_site.wsp_token, [run.baseline(1)]))
    _assert_unavailable(httpx.get(f"{server.url}/readyz", timeout=30))


def test_fuzzed_requests_never_get_a_500(ig_site: IgSite, start_ig) -> None:
    server = start_ig()
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = {"Authorization": f"Bearer {ig_site.wsp_token}"}
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=server.url, headers=headers, timeout=30)
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text)

        check()
    assert calls >= 7 * 5
