"""In Chromium: the DORA pages draw their charts, fit 360 px and work from the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.dora.conftest import Delivery

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

NOVEMBER = "?from=2026-11-02&to=2026-11-16"


def test_a_service_page_draws_a_chart_per_metric_at_360_px(
    world: World, delivery: Delivery, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.viewer)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/dora/service/checkout/{NOVEMBER}")
    page.wait_for_selector("canvas[data-metric='rework_rate'][data-drawn='true']")
    charts = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-metric]')).map(canvas => {
             const chart = Chart.getChart(canvas);
             return [canvas.dataset.metric, chart ? chart.data.datasets[0].data.length : 0];
           })"""
    )
    assert [metric for metric, _ in charts] == [
        "deployment_frequency", "lead_time", "change_failure_rate", "recovery_time", "rework_rate"
    ]  # fmt: skip
    assert all(points >= 12 for _, points in charts)  # a point per week
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_the_overview_is_usable_from_the_keyboard(
    world: World, delivery: Delivery, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.viewer)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/dora/{NOVEMBER}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Platform":
            break
    else:
        pytest.fail("the Platform team's link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dora/team/platform/")
    # Its services, by name, each linking to its page by key.
    assert page.locator('main a[href="/dora/service/platform-api/"]').count() >= 1


def test_from_a_figure_to_the_failed_deployments_at_360_px(
    world: World, delivery: Delivery, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.viewer)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/dora/service/checkout/{NOVEMBER}")
    card = page.locator("li.card", has_text="Change failure rate")
    card.get_by_role("link", name="The rows behind it").click()
    page.wait_for_url("**/dora/service/checkout/detail/**#failures")
    failures = page.locator("section", has=page.locator("#failures"))
    assert delivery.bad_release.external_id in failures.inner_text()
    assert "rule 3" in failures.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
