"""The DORA detail pages: from a figure to the rows behind it, a page at a time."""

from __future__ import annotations

import datetime as dt
import re
from html import escape, unescape

import time_machine
from django.test import Client

from tests.conftest import World
from tests.dora import factory as f
from tests.dora.conftest import Delivery

NOVEMBER = "from=2026-11-02&to=2026-11-16"


def signed_in(client: Client, world: World) -> Client:
    client.force_login(world.viewer)
    return client


def test_a_figure_links_to_the_failed_deployments_and_why(
    client: Client, world: World, delivery: Delivery
) -> None:
    client = signed_in(client, world)
    scope_page = client.get(f"/dora/service/checkout/?{NOVEMBER}").content.decode()
    link = f"/dora/service/checkout/detail/?{NOVEMBER}#failures"
    assert f'href="{escape(link)}"' in scope_page

    html = client.get(link.split("#")[0]).content.decode()
    assert "25%" in html  # the figure, beside its rows
    assert "1 failed deployment, 1 failure" in html
    failures = html[html.index('id="failures"') : html.index('id="remediations"')]
    # The deployment of the 3rd, marked by the hotfix of the 4th (rule 3), recovered in 23 h.
    assert delivery.bad_release.external_id in failures
    assert "marks the previous deployment, at most 7 days earlier (rule 3)" in failures
    assert "23 h" in failures
    # In people's words and the scope's time zone (London: GMT in November), not the API's.
    assert "3 Nov 2026 10:00" in failures and "4 Nov 2026 09:00" in failures
    assert "2026-11-03T" not in html and "23.0 h" not in failures
    assert "\u2013" not in html[html.index('id="failures"') :]
    deployments = html[html.index('id="deployments"') :]
    assert ": 24 h</span>" in deployments and ": 4 days</span>" in deployments
    assert "4 successful production deployments" in deployments
    assert len(re.findall(r'data-label="Failed">failed<', deployments)) == 1


def test_the_overview_links_the_organisations_figures_to_their_rows(
    client: Client, world: World, delivery: Delivery
) -> None:
    client = signed_in(client, world)
    overview = client.get(f"/dora/?{NOVEMBER}").content.decode()
    assert f'href="{escape(f"/dora/detail/?{NOVEMBER}#failures")}"' in overview
    delivery.platform_api.name = "Platform API"
    delivery.platform_api.save()
    html = client.get(f"/dora/detail/?{NOVEMBER}").content.decode()
    # Services by their names, as people know them, not their keys.
    rows = html[html.index('id="failures"') :]
    assert "Platform API, 12 Nov 2026 12:00" in rows and "Checkout, 3 Nov 2026 10:00" in rows
    assert "platform-api," not in rows and "checkout," not in rows
    # checkout's rule-3 failure and platform-api's incident, linked explicitly.
    assert "2 failed deployments, 2 failures" in html
    assert "an incident is attributed to it: incident" in html
    assert "linked explicitly (the event named it)" in html


def test_a_team_page_has_its_rows_too(client: Client, world: World, delivery: Delivery) -> None:
    response = signed_in(client, world).get(f"/dora/team/platform/detail/?{NOVEMBER}")
    assert response.status_code == 200
    assert "2 successful production deployments" in response.content.decode()


def test_a_busy_window_is_shown_a_hundred_rows_at_a_time(client: Client, world: World) -> None:
    busy = f.service("busy")
    for n in range(130):
        f.deploy(busy, f"2026-11-{2 + n // 10:02d}T{8 + n % 10:02d}:00")
    client = signed_in(client, world)
    first = client.get(f"/dora/service/busy/detail/?{NOVEMBER}").content.decode()
    assert "130 successful production deployments; showing 100" in first
    assert f'href="{escape(f"?{NOVEMBER}&page=2")}"' in first
    second = client.get(f"/dora/service/busy/detail/?{NOVEMBER}&page=2").content.decode()
    assert "130 successful production deployments; showing 30" in second
    assert "from row 101" in second
    assert "page=3" not in second


def test_bad_pages_and_unknown_scopes_are_refused(
    client: Client, world: World, delivery: Delivery
) -> None:
    client = signed_in(client, world)
    for page in ("0", "two", "-1"):
        response = client.get(f"/dora/service/checkout/detail/?page={page}")
        assert response.status_code == 400
        assert b"page must be a whole number" in response.content
    assert client.get("/dora/service/nope/detail/").status_code == 404


def test_the_rows_need_a_signed_in_person(client: Client, delivery: Delivery) -> None:
    response = client.get(f"/dora/service/checkout/detail/?{NOVEMBER}")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "next=" in response["Location"]


def _figures(html: str) -> list[str]:
    """The figures as the cards write them: "6 deployments", "1 of 6 deployments", ..."""
    return re.findall(r'<p class="dora-detail muted">([^<]*)</p>', html)


def _link(html: str) -> str:
    return unescape(re.findall(r'href="([^"]*/detail/[^"#]*)#', html)[0])


def test_the_rows_behind_the_default_window_are_the_rows_it_was_computed_on(
    client: Client, world: World, delivery: Delivery
) -> None:
    """The last 30 days end now; a deployment of this morning counts on the page, so it must
    be among the rows its link opens, even when the link is followed a few minutes later."""
    client = signed_in(client, world)
    f.deploy(delivery.checkout, "2026-11-16T09:00", commits=("2026-11-16T08:00",))
    now = dt.datetime(2026, 11, 16, 15, 30, 20, tzinfo=dt.UTC)
    for page in ("/dora/", "/dora/service/checkout/", "/dora/team/checkout/"):
        with time_machine.travel(now, tick=False):
            html = client.get(page).content.decode()
        link = _link(html)
        with time_machine.travel(now + dt.timedelta(minutes=7), tick=False):
            detail = client.get(link).content.decode()
        assert "to=2026-11-16&" not in link and not link.endswith("to=2026-11-16")
        assert _figures(detail) == _figures(html)[:5], page
        assert "to 16 Nov 2026 15:30 (30 days" in html
        assert "to 16 Nov 2026 15:30 (30 days" in detail
    deployments = detail[detail.index('id="deployments"') :]
    assert "6 successful production deployments" in deployments  # this morning's among them
