"""The DORA pages: the overview of every team and service, and a page per scope with trends."""

from __future__ import annotations

import json
import re

from django.test import Client

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
