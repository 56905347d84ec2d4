"""In Chromium: open a key result, check in, see the status change, complete "my check-ins"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from okrs.goals.checkins.models import CheckIn
from tests.conftest import NOW, World

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def mid_cycle() -> Iterator[None]:
    """Half-way through 2026-Q4, whatever today is; the clock keeps running for the server."""
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


def _chart(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const canvas = document.getElementById('kr-chart');
          const chart = Chart.getChart(canvas);
          const pixels = canvas.getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          return {
            drawn: canvas.dataset.drawn === 'true',
            points: chart ? chart.data.datasets.map(d => d.data.length) : [],
            painted: painted,
          };
        }"""
    )


def test_open_a_key_result_and_check_in_without_a_reload(
    world: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.member)
    page.goto(f"{live_server.url}/objectives/deploys-advantage/")
    page.get_by_role("link", name="Reduce deployment lead time from 4 days to 6 hours").click()
    page.wait_for_url("**/key-results/deploys-advantage/lead-time/")
    status = page.locator("#kr-status-value")
    assert status.inner_text().strip() == "✕ Off track"
    chart = _chart(page)
    assert chart["drawn"] and chart["painted"] > 0
    assert chart["points"] == [0, 2, 0]  # no check-ins yet; the expected line

    page.evaluate("() => { window.notReloaded = true; }")
    page.get_by_label("Value (hours)").fill("50")
    page.get_by_label("Confidence").select_option("on_track")
    page.get_by_label("Note").fill("canary on every service")
    page.get_by_role("button", name="Save check-in").click()

    page.get_by_text("The status is now").wait_for()
    assert status.inner_text().strip() == "✓ On track"
    assert page.locator("#kr-current").inner_text() == "50 hours"
    assert page.evaluate("() => window.notReloaded") is True
    assert "canary on every service" in page.locator("table.history").inner_text()
    # The chart is redrawn once htmx has settled the swapped part, after its text is shown.
    page.wait_for_function(
        "() => { const c = document.getElementById('kr-chart');"
        " return c && c.dataset.drawn === 'true' && Chart.getChart(c) !== undefined; }"
    )
    assert _chart(page)["points"] == [1, 2, 0]  # redrawn with the new point
    saved = CheckIn.objects.get()
    assert (saved.value, saved.confidence, saved.source) == (50, "on_track", "web")


def test_the_chart_shows_the_forecast(world: World, live_server: Any, signed_in_page: Any) -> None:
    for value, days_ago in ((90, 40), (80, 30), (70, 20), (60, 10)):
        CheckIn.objects.create(
            key_result=world.lead_time,
            value=value,
            source="web",
            at=NOW - dt.timedelta(days=days_ago),
        )
    page = signed_in_page(world.member)
    page.goto(f"{live_server.url}/key-results/deploys-advantage/lead-time/")
    chart = _chart(page)
    assert chart["drawn"] and chart["painted"] > 0
    assert chart["points"] == [4, 2, 2]
    assert "needs 3 check-ins" not in page.locator("#kr-status").inner_text()


def test_a_refused_value_shows_its_message_in_the_form(
    world: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.member)
    page.goto(f"{live_server.url}/key-results/deploys-advantage/change-failure-rate/")
    # Its confidence given, "No change" still has no value to keep: the refusal says so.
    page.get_by_label("Confidence").select_option("on_track")
    page.get_by_role("button", name="No change").click()
    page.get_by_role("alert").get_by_text("has no value yet").wait_for()
    assert page.get_by_label("Value (%)").is_visible()
    assert not CheckIn.objects.exists()


def test_complete_my_check_ins_in_one_submit(
    world: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.member)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/checkins/")
    lead_time = page.locator(f"#row-{world.lead_time.pk}")
    failure_rate = page.locator(f"#row-{world.change_failure_rate.pk}")
    assert lead_time.get_by_label("Value (hours)").input_value() == "96"
    # At 360 px the fields stack and nothing scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    lead_time.get_by_label("Value (hours)").fill("50")
    lead_time.get_by_label("Confidence").select_option("on_track")
    lead_time.get_by_label("Note").fill("canary everywhere")
    failure_rate.get_by_label("Value (%)").fill("4")
    page.get_by_role("button", name="Save all check-ins").click()

    saved = page.locator("#saved-title")
    saved.wait_for()
    assert saved.inner_text() == "Saved 2 check-ins"
    summary = page.locator("section.saved").inner_text()
    assert "50 hours — now ✓ On track" in summary and "4%" in summary
    # Said once, in the saved summary: no "Nothing is due" card after it.
    assert page.get_by_text("Nothing else is due this week. Thank you!").is_visible()
    assert page.get_by_text("Nothing is due").count() == 0
    assert "Done this week" in page.inner_text("main")
    rows = {c.key_result_id: c for c in CheckIn.objects.all()}
    assert rows[world.lead_time.pk].value == 50
    assert rows[world.change_failure_rate.pk].value == 4
    assert {c.source for c in rows.values()} == {"web"}


def test_no_change_on_my_check_ins_is_one_click(
    world: World, live_server: Any, signed_in_page: Any
) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time,
        value=60,
        confidence="at_risk",
        author=world.member,
        source="slack",
        at=NOW - dt.timedelta(days=6),
    )
    page = signed_in_page(world.member)
    page.goto(f"{live_server.url}/checkins/")
    page.get_by_role("button", name="No change: Reduce deployment lead time").click()
    page.locator("#saved-title").wait_for()
    assert page.locator("#saved-title").inner_text() == "Saved 1 check-in"
    latest = CheckIn.objects.order_by("-at", "-id")[0]
    assert (latest.value, latest.confidence, latest.source) == (60, "at_risk", "web")
