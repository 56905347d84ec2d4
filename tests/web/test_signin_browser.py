"""The sign-in pages in Chromium at 360 px wide: no sideways scroll, and signing in works."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World

pytestmark = pytest.mark.browser

PAGES = ("/accounts/login/", "/accounts/password/reset/", "/accounts/signup/")


@pytest.mark.parametrize("path", PAGES)
def test_the_page_holds_at_360_px(
    transactional_db: None, live_server: Any, page: Any, path: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}{path}")
    assert page.locator("header.topbar .brand").inner_text() == "okrs"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The card and everything in it stay inside the screen.
    box = page.locator("main").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_signing_in_at_360_px(
    transactional_db: None, world: World, live_server: Any, page: Any
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("maya@acme.test")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Dashboard"
