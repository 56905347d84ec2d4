"""The key-result page in words: its owner line says what the kind asks of the value, and
"Where it stands" shows a status badge once, with a row for the pace or the confidence only
when it says something else than the status."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.org.models import Person
from tests.conftest import World
from tests.demo_once import demo_loaded_once

LEAD_TIME = "/key-results/deploys-advantage/lead-time/"
BADGES = ("✓ On track", "! At risk", "✕ Off track")


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def where_it_stands(client: Client, url: str) -> str:
    return page_text(client, url).split("Where it stands", 1)[1].split("Value history", 1)[0]


def assert_each_badge_once(section: str) -> None:
    for badge in BADGES:
        assert section.count(badge) <= 1, section


def lead_time_checked_in(world: World, value: float, *, days_ago: float) -> Client:
    CheckIn.objects.create(
        key_result=world.lead_time,
        value=value,
        confidence="on_track",
        source="web",
        author=world.member,
        at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago),
    )
    client = Client()
    client.force_login(world.member)
    return client


@pytest.mark.usefixtures("frozen_now")
def test_the_owner_line_says_what_the_kind_asks_in_words(world: World) -> None:
    client = Client()
    client.force_login(world.member)
    assert "Owner: Maya Patel · lower is better" in page_text(client, LEAD_TIME)
    failure_rate = page_text(client, "/key-results/deploys-advantage/change-failure-rate/")
    assert "Owner: Maya Patel · stays at or below 5%" in failure_rate
    assert "· Decrease" not in page_text(client, LEAD_TIME)


@pytest.mark.usefixtures("frozen_now")
def test_when_pace_and_confidence_agree_the_status_is_shown_once(world: World) -> None:
    # 40 hours from 96 towards 6 by mid-November: ahead of the line, and its owner agrees.
    section = where_it_stands(lead_time_checked_in(world, 40, days_ago=1), LEAD_TIME)
    assert "Status ✓ On track its pace and its owner agree" in section
    assert "Pace" not in section and "Confidence" not in section
    assert_each_badge_once(section)


@pytest.mark.usefixtures("frozen_now")
def test_an_owners_confidence_that_beats_the_pace_shows_the_pace_beside_it(world: World) -> None:
    # 90 hours: far behind the line, but its owner says on track (yesterday, so it counts).
    section = where_it_stands(lead_time_checked_in(world, 90, days_ago=1), LEAD_TIME)
    assert "Status ✓ On track as its owner says" in section
    assert "Pace ✕ Off track" in section
    assert "Confidence" not in section  # it is the status
    assert_each_badge_once(section)


@pytest.mark.usefixtures("frozen_now")
def test_an_old_confidence_is_shown_as_not_counting(world: World) -> None:
    section = where_it_stands(lead_time_checked_in(world, 90, days_ago=20), LEAD_TIME)
    assert "Status ✕ Off track by its pace" in section
    assert "Confidence ✓ On track (over 10 days old: it no longer counts)" in section
    assert "Pace" not in section
    assert_each_badge_once(section)


@pytest.mark.usefixtures("frozen_now")
def test_an_old_confidence_that_equals_the_pace_still_says_it_no_longer_counts(
    world: World,
) -> None:
    # 40 hours: on track by its pace, and its owner said on track, but 20 days ago.
    section = where_it_stands(lead_time_checked_in(world, 40, days_ago=20), LEAD_TIME)
    assert "Status ✓ On track by its pace" in section
    assert "agree" not in section
    assert "Confidence ✓ On track (over 10 days old: it no longer counts)" in section
    assert "Freshness Stale : no check-in in 10 days" in section


@pytest.mark.usefixtures("frozen_now")
def test_freshness_reads_in_words(world: World) -> None:
    section = where_it_stands(lead_time_checked_in(world, 40, days_ago=1), LEAD_TIME)
    assert "Freshness Up to date" in section
    assert "Fresh yes" not in section


@pytest.mark.usefixtures("frozen_now")
def test_an_owners_check_in_apart_from_a_sync_says_its_value_is_the_synced_one(
    world: World,
) -> None:
    world.lead_time.source = {"kind": "dora", "metric": "lead_time", "window": "30d"}
    world.lead_time.save(update_fields=["source"])
    now = dt.datetime.now(dt.UTC)
    CheckIn.objects.create(
        key_result=world.lead_time, value=50, source="sync", at=now - dt.timedelta(days=2)
    )
    client = lead_time_checked_in(world, 50, days_ago=1)
    history = history_section(client, LEAD_TIME)
    # Two rows a day apart: the owner's confidence, and the sync by its source.
    assert "50 hours (the last synced value) ✓ On track Maya Patel web" in history, history
    assert "50 hours not given its source synced" in history, history


TODAY = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
demo_loaded = demo_loaded_once(TODAY)


def test_the_demos_churn_key_result_reads_as_words(demo_loaded, db) -> None:
    with time_machine.travel(TODAY, tick=False):
        client = Client()
        client.force_login(Person.objects.get(email="maya@acme.test"))
        url = "/key-results/keep-customers/logo-churn/"
        text = page_text(client, url)
        assert "Owner: Rachel Adams · lower is better" in text
        assert "· Decrease" not in text and "· Increase" not in text
        assert_each_badge_once(where_it_stands(client, url))
        assert_each_badge_once(where_it_stands(client, LEAD_TIME))


def history_section(client: Client, url: str) -> str:
    return page_text(client, url).split("Check-ins When Value", 1)[1].split("Initiatives", 1)[0]


def test_the_demos_automatic_key_result_lists_each_reading_once_in_words(demo_loaded, db) -> None:
    with time_machine.travel(TODAY, tick=False):
        client = Client()
        client.force_login(Person.objects.get(email="maya@acme.test"))
        text = page_text(client, LEAD_TIME)
        history = history_section(client, LEAD_TIME)
    # The owner's check-in and the sync at the same minute are one row.
    assert history.count("26 Nov 2026 15:13") == 1, history
    assert (
        "26 Nov 2026 15:13 42 hours ✓ On track Canary on 14 services. Change advisory board now "
        "skips canaried changes. Maya Patel, value synced command line"
    ) in history
    words = history.split()
    for code in ("none", "system", "sync", "cli"):
        assert code not in words, history
    # The service by its name, not its key.
    assert "service Checkout service" in text and "service checkout" not in text


def test_the_demos_key_result_without_check_ins_says_it_is_stale_in_words(demo_loaded, db) -> None:
    with time_machine.travel(TODAY, tick=False):
        client = Client()
        client.force_login(Person.objects.get(email="maya@acme.test"))
        section = where_it_stands(client, "/key-results/same-day-numbers/churn-early-warning/")
    assert "Freshness Stale : no check-in yet" in section  # the word is flagged
    assert "Confidence not given" in section
