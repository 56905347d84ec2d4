"""The demo's DORA pages speak plainly: words where there is nothing to measure, no dash before
a band, and a service's team only when it says more than the service's name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from okrs.org.models import Person
from tests.demo_once import demo_loaded_once

TODAY = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

demo_loaded = demo_loaded_once(TODAY)


@pytest.fixture
def client(demo_loaded, db):
    with time_machine.travel(TODAY, tick=False):
        client = Client()
        client.force_login(Person.objects.order_by("pk")[0])
        yield client


def text_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_no_failures_reads_as_words_without_a_dash(client) -> None:
    # Alerting had no failed deployment in the last 30 days: nothing to recover from.
    for url in ("/dora/", "/dora/service/alerting/"):
        text = text_of(client, url)
        assert "median of 0 failures" not in text and "p90 \u2013" not in text
        assert "\u2013 No band" not in text and "\u2013" not in text.split("DORA metrics", 1)[1]
        assert "No failures no failures to recover from" in text


def test_a_services_team_is_shown_only_when_it_differs_from_its_name(client) -> None:
    text = text_of(client, "/dora/")
    assert "Checkout (checkout)" not in text
    assert "Checkout median" in text or re.search(r"Checkout [\d.]+ per day", text)
    # By the team's name, as the crumbs and headings name it, not by its key.
    assert "Payments (Checkout team)" in text and "Payments (checkout)" not in text


def _heading(text: str) -> str:
    return text.split("DORA metrics", 1)[1].split(" From (inclusive)", 1)[0]


def test_a_service_page_names_the_service_once(client) -> None:
    # The crumbs name the team; the heading names the service and says what it is, once.
    heading = _heading(text_of(client, "/dora/service/checkout/"))
    assert heading.endswith(" Checkout service"), heading
    assert heading.startswith(" · Checkout team "), heading  # the crumbs: not "team checkout"
    platform_api = _heading(text_of(client, "/dora/service/platform-api/"))
    assert platform_api.endswith(" Platform API service")
    assert "platform-api" not in platform_api
    assert _heading(text_of(client, "/dora/team/checkout/")).startswith(" Checkout team ")
    # Its name holds its key already: no "(team reliability)" after it.
    assert _heading(text_of(client, "/dora/team/reliability/")).startswith(
        " Reliability (SRE) team "
    )


def test_a_services_key_is_shown_when_it_is_not_its_name_again(client) -> None:
    from okrs.metrics.delivery.models import Service

    Service.objects.filter(key="payments").update(name="Billing")
    assert "Billing (service payments)" in text_of(client, "/dora/service/payments/")


def test_the_detail_pages_crumbs_name_the_service_and_the_team(client) -> None:
    service = text_of(client, "/dora/service/platform-api/detail/")
    assert "DORA metrics · Platform API service What the figures" in service
    team = text_of(client, "/dora/team/reliability/detail/")
    assert "DORA metrics · Reliability (SRE) team What the figures" in team
