"""The dashboard in a real browser: sign in, read it, watch it update, and at 360 px wide."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from okrs.goals.checkins.services import record_checkin
from okrs.org.audit import Actor
from tests.conftest import World

pytestmark = pytest.mark.browser


def kr_count(page: Any, status: str) -> str:
    return str(page.locator(f'#kr-counts [data-status="{status}"] .count').inner_text())


def test_sign_in_through_the_form_and_read_the_counts(
    transactional_db: None, world: World, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url  # everything needs sign-in
    page.fill('input[name="login"]', "erin@acme.test")
    page.fill('input[name="password"]', "correct-horse-battery")
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_selector("#kr-counts")
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("h1").inner_text() == "Dashboard"
    # No check-ins yet, weeks into the cycle: all three key results are behind.
    assert kr_count(page, "off_track") == "3"
    assert kr_count(page, "at_risk") == "0"
    assert kr_count(page, "on_track") == "0"
    assert page.get_by_role("link", name="Keep the change failure rate below 5%").count() >= 1


def test_dashboard_updates_without_a_reload_after_a_check_in(
    transactional_db: None, world: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.lead)
    page.goto(f"{live_server.url}/?team=platform")
    assert kr_count(page, "on_track") == "0"
    page.evaluate("window.__notReloaded = true")

    record_checkin(
        key_result=world.lead_time, value=20, actor=Actor(world.member, "web"),
        confidence="on_track", note="Canary deploys everywhere",
    )  # fmt: skip

    # The page polls (every 10 s): the check-in shows at a poll, without a reload. Waited
    # for, not timed: a busy machine may miss a poll (tests/conftest.py's default timeout).
    expect(page.locator('#kr-counts [data-status="on_track"] .count')).to_have_text("1")
    assert page.evaluate("window.__notReloaded") is True
    assert kr_count(page, "off_track") == "1"
    assert "Canary deploys everywhere" in page.locator("#what-moved").inner_text()
    # The poll kept the chosen team: checkout's key result is still not shown.
    assert "Raise checkout conversion" not in page.locator("#dashboard-live").inner_text()


@pytest.mark.parametrize("url", ["/", "/teams/engineering/"])
def test_no_sideways_scrolling_at_360_px(
    transactional_db: None, world: World, live_server: Any, signed_in_page: Any, url: str
) -> None:
    page = signed_in_page(world.admin)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}{url}")
    page.wait_for_selector("#kr-counts")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=f"/tmp/okrs-dashboard-360{url.replace('/', '-')}.png", full_page=True)


def test_charts_draw_from_the_api_and_are_updated_in_place_by_a_poll(
    transactional_db: None, world: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.lead)
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/?team=platform")
    page.wait_for_selector("#dashboard-charts[data-drawn]")

    # Platform has two key results: every week's stacked bar counts both.
    weeks = page.evaluate(
        "Chart.getChart('status-chart').data.datasets.map(d => d.data)"
    )  # off track, at risk, on track
    assert len(weeks) == 3 and len(weeks[0]) >= 1
    assert all(sum(week) == 2 for week in zip(*weeks, strict=True))
    lines = page.evaluate("Chart.getChart('score-chart').data.datasets.map(d => d.label)")
    assert lines == ["Make our deployment infrastructure a competitive advantage"]
    # Its legend names the objective in full (a canvas legend cut long titles), and pressing it
    # hides the line, then shows it again.
    legend = page.locator("#score-legend button")
    expect(legend).to_have_text(["Make our deployment infrastructure a competitive advantage"])
    legend.click()
    assert page.evaluate("Chart.getChart('score-chart').isDatasetVisible(0)") is False
    expect(legend).to_have_attribute("aria-pressed", "false")
    legend.click()
    assert page.evaluate("Chart.getChart('score-chart').isDatasetVisible(0)") is True
    assert page.evaluate("document.getElementById('status-chart').width") > 0
    # The text equivalent: one table row per week, one per objective.
    page.locator(".chart-figures summary").click()
    assert page.locator("#chart-tables table").count() == 2
    assert page.locator("#chart-tables table").first.locator("tbody tr").count() == len(weeks[0])
    assert "Now: 0 on track, 0 at risk, 2 off track" in page.locator("#charts-summary").inner_text()
    chart_id = page.evaluate("Chart.getChart('status-chart').id")

    record_checkin(
        key_result=world.lead_time, value=20, actor=Actor(world.member, "web"),
        confidence="on_track",
    )  # fmt: skip
    expect(page.locator('#kr-counts [data-status="on_track"] .count')).to_have_text("1")
    expect(page.locator("#charts-summary")).to_contain_text("Now: 1 on track")
    # The same chart, its data replaced: not a new chart per poll.
    assert page.evaluate("Chart.getChart('status-chart').id") == chart_id
    on_track_now = page.evaluate("Chart.getChart('status-chart').data.datasets[2].data.at(-1)")
    assert on_track_now == 1
    assert page.locator(".chart-figures").get_attribute("open") is not None  # left as it was
    assert errors == []
