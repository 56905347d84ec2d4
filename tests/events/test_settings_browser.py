"""The webhooks settings page in Chromium: an admin connects GitHub to a new service."""

from __future__ import annotations

import os
from typing import Any

import pytest

from okrs.metrics.delivery.models import Service, ServiceAlias, WebhookSecret

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("OKRS_SCREENSHOTS")  # a folder, to look at the page by eye
SECRET = "4b1d2c3e-browser-secret"


def test_an_admin_sets_a_secret_and_maps_a_repository(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.admin)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/settings/webhooks/")

    page.get_by_label("New GitHub secret", exact=True).fill(SECRET)
    page.get_by_role("button", name="Set the GitHub secret").click()
    page.wait_for_url(f"{live_server.url}/settings/webhooks/")
    assert "GitHub webhook secret saved." in page.inner_text("main")
    row = page.locator("#provider-github")
    assert "✓ set" in row.inner_text()
    assert SECRET not in page.content()
    assert page.get_by_label("New GitHub secret", exact=True).input_value() == ""

    page.get_by_label("Key", exact=True).fill("checkout")
    page.get_by_label("Name", exact=True).fill("Checkout")
    page.locator("#service-team").select_option("checkout")
    page.get_by_role("button", name="Create service").click()
    page.wait_for_url(f"{live_server.url}/settings/webhooks/")

    page.locator("#alias-service").select_option("checkout")
    page.locator("#alias-provider").select_option("github")
    page.get_by_label("Provider's name for it", exact=True).fill("Acme/Checkout")
    page.get_by_role("button", name="Add alias").click()
    page.wait_for_url(f"{live_server.url}/settings/webhooks/")

    assert "acme/checkout" in page.locator("#service-checkout").inner_text()
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1200, "height": 800})
        page.screenshot(path=os.path.join(SCREENSHOTS, "webhooks.png"), full_page=True)
    assert WebhookSecret.objects.get(provider="github").secret == SECRET
    assert Service.objects.get().team == world.checkout
    assert ServiceAlias.objects.get().external == "acme/checkout"
