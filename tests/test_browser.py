"""In a real browser: Debian's Chromium driven by Playwright (no downloaded browser builds)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services import require

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("OKRS_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    # Playwright's sync API keeps an event loop in this thread; Django would then refuse the
    # test database's set-up and teardown, which are safe here (the documented work-around).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    yield page
    context.close()
    # Every asset is served by us: a request to anywhere else would fail on this network.
    assert failed == []


def test_interactive_api_docs_render_every_route(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    paths = [p.replace("\u200b", "") for p in paths]
    assert "/api/v1/dashboard" in paths
    assert "/api/v1/key-results/{ref}/check-ins" in paths
    requested_hosts = {url.split("/")[2] for url in page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"
    )}  # fmt: skip
    assert requested_hosts <= {live_server.url.split("/")[2]}
