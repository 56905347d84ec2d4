"""The DORA pages: the overview of every team and service, and a page per scope with trends."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import time_machine
from django.test import Client

from okrs.cli import main
from okrs.metrics.delivery.models import Service
from tests.conftest import World
from tests.dora.conftest import Delivery

NOVEMBER = "?from=2026-11-02&to=2026-11-16"


def signed_in(client: Client, world: World) -> Client:
    client.force_login(world.viewer)
    return client


def test_the_overview_lists_teams_and_services_with_bands(
    client: Client, world: World, delivery: Delivery
) -> None:
    html = signed_in(client, world).get(f"/dora/{NOVEMBER}").content.decode()
    assert "Whole organisation" in html
    for link in ("/dora/team/engineering/", "/dora/team/platform/", "/dora/service/search/"):
        assert f'href="{link}"' in html
    # checkout: 4 deployments in 14 days, 1 failed: 25%, low.
    assert "0.29 per day" in html
    assert "1 of 4 deployments" in html
    assert '<span class="band band-low">Low</span>' in html
    assert 'value="2026-11-02"' in html and 'value="2026-11-16"' in html


def test_a_service_page_has_a_chart_per_metric_and_the_weekly_values(
    client: Client, world: World, delivery: Delivery
) -> None:
    response = signed_in(client, world).get(f"/dora/service/checkout/{NOVEMBER}")
    html = response.content.decode()
    for metric in (
        "deployment_frequency", "lead_time", "change_failure_rate", "recovery_time", "rework_rate"
    ):  # fmt: skip
        assert f'id="chart-{metric}"' in html
    # The CSP allows no inline script: scripts are files, the data a JSON element.
    tags = re.findall(r"<script[^>]*>", html)
    assert tags and all("src=" in tag or 'type="application/json"' in tag for tag in tags)
    found = re.search(r'<script id="dora-chart-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data = json.loads(found.group(1))
    # Twelve weeks before the 16th: the last two hold the deployments (3, then 1 a week).
    assert [p["y"] for p in data["deployment_frequency"]][-2:] == [3.0, 1.0]
    assert [p["y"] for p in data["change_failure_rate"]][-2:] == [33.3, 0.0]
    assert "Week by week" in html
    assert 'href="/dora/team/checkout/"' in html


def test_a_team_page_lists_its_services(client: Client, world: World, delivery: Delivery) -> None:
    html = signed_in(client, world).get("/dora/team/engineering/").content.decode()
    assert 'href="/dora/service/checkout/"' in html
    assert 'href="/dora/service/platform-api/"' in html
    assert "/dora/service/search/" not in html


def test_unknown_scopes_are_not_found_and_bad_dates_explained(
    client: Client, world: World, delivery: Delivery
) -> None:
    c = signed_in(client, world)
    assert c.get("/dora/service/nope/").status_code == 404
    assert c.get("/dora/team/nope/").status_code == 404
    response = c.get("/dora/?from=2026-11-16&to=2026-11-02")
    assert response.status_code == 200
    assert "The dates were not used" in response.content.decode()


def test_the_pages_need_a_sign_in(client: Client, delivery: Delivery) -> None:
    assert client.get("/dora/").status_code == 302
    assert client.get("/dora/service/checkout/").status_code == 302


def _week_rows(html: str) -> list[str]:
    table = html[html.index('id="weeks-title"') :]
    return re.findall(r'<th scope="row">([^<]*)</th>', table)


def test_the_weeks_are_whole_local_weeks_in_the_teams_own_time_zone(
    client: Client, world: World, delivery: Delivery
) -> None:
    """On a Friday evening the twelve weeks start on a Monday, as people read dates, and the
    page says the Platform team's time zone is its own, not the overview's."""
    world.platform.timezone = "Europe/Berlin"
    world.platform.save()
    c = signed_in(client, world)
    with time_machine.travel(dt.datetime(2026, 12, 4, 20, 45, tzinfo=dt.UTC), tick=False):
        team = c.get("/dora/team/platform/").content.decode()
        service = c.get("/dora/service/platform-api/").content.decode()
        overview = c.get("/dora/").content.decode()
    for html in (team, service):
        weeks = _week_rows(html)
        assert len(weeks) == 12
        assert weeks[0] == "Week of 14 Sep"  # a Monday; not "2026-09-11", a Friday
        assert weeks[-1] == "Week of 30 Nov (to 4 Dec 21:45)"  # so far, Berlin time
        assert "2026-09-11" not in html and "Week of 11 Sep" not in html
        assert (
            "times, days and weeks in Europe/Berlin, the Platform team&#x27;s time zone "
            "(the organisation&#x27;s, on the overview, is Europe/London)"
        ) in html
    assert "to 4 Dec 2026 21:45" in team
    assert "to 4 Dec 2026 20:45" in overview
    assert "times, days and weeks in Europe/London." in overview


def test_a_team_page_names_its_services(client: Client, world: World, delivery: Delivery) -> None:
    delivery.platform_api.name = "Platform API"
    delivery.platform_api.save()
    html = signed_in(client, world).get("/dora/team/engineering/").content.decode()
    services = html[html.index("Services of this team") :]
    services = services[: services.index("</p>")]
    assert '<a href="/dora/service/platform-api/">Platform API</a>' in services
    assert '<a href="/dora/service/checkout/">Checkout</a>' in services
    assert ">platform-api<" not in services


def _heading(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.findall(r"<h1>(.*?)</h1>", html, re.S)[0]).strip()


def test_a_scope_page_shows_the_key_unless_the_name_spells_it(
    client: Client, world: World, delivery: Delivery
) -> None:
    """`okrs dora --service pay` needs the key: it is hidden only when the name spells it."""
    c = signed_in(client, world)
    Service.objects.create(key="pay", name="Payments gateway")
    Service.objects.create(key="web", name="Checkout web")
    delivery.platform_api.name = "Platform API"
    delivery.platform_api.save()
    world.platform.name = "Reliability (SRE)"
    world.platform.key = "reliability"
    world.platform.save()
    assert _heading(c.get("/dora/service/pay/").content.decode()) == (
        "Payments gateway (service pay)"
    )
    assert _heading(c.get("/dora/service/web/").content.decode()) == "Checkout web (service web)"
    assert _heading(c.get("/dora/service/platform-api/").content.decode()) == (
        "Platform API service"
    )
    assert _heading(c.get("/dora/team/reliability/").content.decode()) == ("Reliability (SRE) team")


def test_deployment_rates_read_as_in_reports_and_the_cli(
    client: Client, world: World, delivery: Delivery, capsys: Any
) -> None:
    """Checkout deployed twice in the two days: "1 per day" on the pages and in okrs dora,
    as the business review writes rates, not "1.00 per day"."""
    two_days = ["--from", "2026-11-02", "--to", "2026-11-04"]
    c = signed_in(client, world)
    for url in ("/dora/", "/dora/service/checkout/"):
        html = c.get(f"{url}?from=2026-11-02&to=2026-11-04").content.decode()
        assert ">1 per day<" in html and "1.00 per day" not in html
    assert main(["dora", "--service", "checkout", *two_days]) == 0
    out, _ = capsys.readouterr()
    assert "deployment frequency     1 per day (2 deployments;" in out
    assert "1.00" not in out
