"""A DORA window is at most three years (1096 days): a longer one is refused with a reason.

Without a cap, /dora/?from=1900-01-01&to=8999-12-01 held a worker for more than half a minute.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from okrs.cli import main
from tests.conftest import World
from tests.dora.conftest import Delivery

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "query",
    [
        "from=1900-01-01&to=8999-12-01",
        "from=2023-11-15&to=2026-11-16",  # 1097 days
        "to=2026-11-16T00:00:00Z&from=2016-11-16T00:00:00Z",
    ],
)
def test_the_api_refuses_a_window_longer_than_three_years(
    world: World, delivery: Delivery, query: str
) -> None:
    response = world.client_for(world.viewer).get(f"/api/v1/dora?service=checkout&{query}")

    assert response.status_code == 400
    assert "longer than 1096 days" in response.json()["detail"]


def test_the_api_answers_for_exactly_three_years(world: World, delivery: Delivery) -> None:
    response = world.client_for(world.viewer).get(
        "/api/v1/dora?service=checkout&from=2023-11-16&to=2026-11-16"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["window"]["days"] == 1096
    # The test's deliveries are in November 2026: all of them are counted.
    assert body["deployment_frequency"]["deployments"] == 4


@pytest.mark.parametrize("path", ["/dora/", "/dora/service/checkout/", "/dora/team/platform/"])
def test_the_pages_explain_and_show_the_default_window(
    client: Client, world: World, delivery: Delivery, path: str
) -> None:
    client.force_login(world.viewer)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"{path}?from=1900-01-01&to=8999-12-01")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The dates were not used" in html and "longer than 1096 days" in html
    # The default window instead: the 30 days up to now (the organisation is in London).
    assert 'value="2026-10-28"' in html and 'value="2026-11-27"' in html
    assert "8999" not in html


def test_the_cli_refuses_it_too(delivery: Delivery, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dora", "--service", "checkout", "--from", "1900-01-01", "--to", "8999-12-01"])

    assert code == 2
    assert "longer than 1096 days" in capsys.readouterr().err
