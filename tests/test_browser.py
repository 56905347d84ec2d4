"""In a real browser: Debian's Chromium driven by Playwright (no downloaded browser builds)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_interactive_api_docs_render_every_route(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    paths = [p.replace("\u200b", "") for p in paths]
    assert "/api/v1/dashboard" in paths
    assert "/api/v1/key-results/{ref}/check-ins" in paths
    requested_hosts = {url.split("/")[2] for url in page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"
    )}  # fmt: skip
    assert requested_hosts <= {live_server.url.split("/")[2]}
