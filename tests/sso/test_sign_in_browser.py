"""The whole single sign-on in Chromium: okrs's button, the provider's own login form, back
to okrs's dashboard signed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from okrs.sso.configuration import CALLBACK_PATH
from tests.conftest import World
from tests.sso.conftest import BUTTON, Provider, start_provider, use_provider

pytestmark = pytest.mark.browser


@pytest.fixture
def provider_for_the_browser(live_server: Any, tmp_path: Path) -> Iterator[Provider]:
    yield from start_provider(tmp_path, [f"{live_server.url}{CALLBACK_PATH}"])


def test_signing_in_through_the_identity_provider(
    transactional_db: None,
    world: World,
    live_server: Any,
    page: Any,
    settings: Any,
    provider_for_the_browser: Provider,
) -> None:
    use_provider(settings, provider_for_the_browser)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name=BUTTON).click()

    # The provider's own page, on its own origin.
    page.wait_for_url(f"{provider_for_the_browser.issuer}/interaction/**")
    page.locator("input[name=login]").fill("maya")
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert "Maya Patel" in page.locator("header").inner_text()
