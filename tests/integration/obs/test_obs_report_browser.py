"""The run report page in a real headless Chromium (Debian's package), driven by Playwright.

The page is opened from a file:// URL with every http(s) request refused and recorded, so it must
render with no network; the test asserts no console errors, the verdict, and charts actually drawn
(Plotly's SVG with non-empty paths). The session fixture installs Debian's `chromium` when it is
missing (as root, apt-get) and fails, never skips, when it cannot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from obs_report_sample import sample_report
from playwright.sync_api import BrowserContext, Page, Request, Route, sync_playwright

from fraud_platform.obs.report import render_report

pytestmark = pytest.mark.integration

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _ensure_chromium() -> str:
    found = shutil.which("chromium")
    if found is not None:
        return found
    if os.geteuid() != 0:
        pytest.fail("chromium is missing and the test is not root, so it cannot apt-get install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("apt-get installed chromium but it is not on PATH")
    return found


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    # A fresh --user-data-dir per session: Playwright takes it as launch_persistent_context's argument.
    executable = _ensure_chromium()
    profile_dir = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=executable,
            headless=True,
            args=_FLAGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            yield launched
        finally:
            launched.close()


class _Opened:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.network: list[str] = []
        self.dialogs: list[str] = []


def _open(browser: BrowserContext, html: str, path: Path) -> Iterator[_Opened]:
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    opened = _Opened(page)

    def refuse(route: Route, request: Request) -> None:
        opened.network.append(request.url)
        route.abort()

    page.route("http*://**/*", refuse)
    page.on("console", lambda msg: opened.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("#chart-latency svg.main-svg", timeout=15_000)
        yield opened
    finally:
        page.close()


@pytest.fixture
def opened_pass(browser: BrowserContext, tmp_path: Path) -> Iterator[_Opened]:
    yield from _open(browser, render_report(sample_report("PASS")), tmp_path / "report.html")


def test_the_page_loads_offline_with_no_console_error_and_shows_the_verdict(opened_pass: _Opened) -> None:
    page = opened_pass.page
    assert opened_pass.errors == []
    assert opened_pass.network == []
    assert page.inner_text("#verdict") == "PASS"
    assert page.title() == "Run report platform_20261203T080000Z"
    statements = page.locator("#statements tr[data-statement]")
    assert statements.count() == 4
    assert page.locator("#statements .ok").count() == 4
    total = page.locator("#counters tr.total td").all_inner_texts()
    assert total[:7] == ["total", "1150", "400", "397", "1", "2", "397"]
    assert page.locator("#evidence a").count() == 5
    # 840 write requests x 0.005/1000 + 1200 reads x 0.0004/1000 + 3 GB x 0.023 = 0.0042 + 0.00048 + 0.069
    assert page.locator("#cost tr.total td").last.inner_text() == "0.073680"
    assert "kafka_ingress" in page.inner_text("p.warn")


def test_the_charts_are_drawn(opened_pass: _Opened, tmp_path: Path) -> None:
    page = opened_pass.page
    line_paths = page.eval_on_selector_all(
        "#chart-admitted g.scatterlayer path.js-line", "nodes => nodes.map(n => n.getAttribute('d') || '')"
    )
    assert len(line_paths) == 2 and all(len(d) > 50 for d in line_paths)
    bar_paths = page.eval_on_selector_all(
        "#chart-latency g.trace.bars path", "nodes => nodes.map(n => n.getAttribute('d') || '')"
    )
    assert len([d for d in bar_paths if d not in ("", "M0,0Z")]) >= 10
    legend = page.locator("#chart-admitted g.legend text.legendtext").all_text_contents()
    assert legend == ["s3_event_stream_with_fraud_6B", "arrival_events_5B"]
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    keep = os.environ.get("FP_REPORT_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)


def test_hostile_strings_are_shown_as_text_never_run(browser: BrowserContext, tmp_path: Path) -> None:
    hostile = ("</script><script>window.__pwned=1</script>", "<img src=x onerror=alert(1)>")
    html = render_report(sample_report("FAIL", output_names=hostile))
    for opened in _open(browser, html, tmp_path / "hostile.html"):
        page = opened.page
        assert page.evaluate("() => window.__pwned === undefined")
        assert opened.dialogs == [] and opened.errors == [] and opened.network == []
        assert page.inner_text("#verdict") == "FAIL"
        assert page.locator("#counters img").count() == 0
        names = page.locator("#counters tr td:first-child").all_inner_texts()
        assert names[:2] == list(hostile)
        legend = page.locator("#chart-admitted g.legend text.legendtext").all_text_contents()
        assert len(legend) == 2
