"""The demo has work to do whenever it is loaded: the README's two people each have a manual and
an automatic key result due on "my check-ins", the dashboard shows every status and reason, and
the latest week of delivery events is listed under "Recent deliveries"."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client

from okrs.cli import demo as demo_command
from okrs.demo.load import demo_cycle_key
from okrs.goals.models import Cycle, KeyResult
from okrs.metrics.delivery.models import Deployment, RawEvent
from okrs.org.models import ApiToken, Person

# When someone may run `make demo`: the morning of a check-in day, a Sunday night, midweek,
# another team's check-in day and the cycle's last week (2026-Q4 ends on Thursday 31
# December). UTC is London's time then.
TODAYS = [
    dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC),  # Monday, before the 10:00 nudges
    dt.datetime(2026, 11, 22, 21, 30, tzinfo=dt.UTC),  # Sunday
    dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC),  # Wednesday
    dt.datetime(2026, 11, 19, 18, 0, tzinfo=dt.UTC),  # Thursday, customer success's check-in day
    dt.datetime(2026, 12, 29, 11, 0, tzinfo=dt.UTC),  # Tuesday of the cycle's last week
    # Months later: the plan moves to the quarter then running (2027-Q1, 2027-Q3).
    dt.datetime(2027, 2, 17, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2027, 8, 9, 8, 0, tzinfo=dt.UTC),
]
# A quarter's first days: check-ins are due, but nothing can be stale or drifting yet.
QUARTERS_FIRST_WEEK = dt.datetime(2027, 1, 6, 12, 0, tzinfo=dt.UTC)
DUE = {
    "maya@acme.test": {"deploys-advantage/lead-time", "deploys-advantage/golden-path"},
    "ceo@acme.test": {"grow-revenue/payback-period", "time-to-market/release-frequency"},
}
DONE = {
    "maya@acme.test": {"deploys-advantage/ci-queue-time"},
    "ceo@acme.test": {"keep-customers/top-account-reviews"},
}


@pytest.fixture
def demo_today(request: pytest.FixtureRequest, db: None) -> Iterator[dt.datetime]:
    """The demo loaded with `okrs demo --today`, on that day, and the clock stopped there."""
    today: dt.datetime = request.param
    with time_machine.travel(today, tick=False):
        assert demo_command.run(argparse.Namespace(today=today.isoformat())) == 0
        yield today


def signed_in(email: str) -> Client:
    client = Client()
    client.force_login(Person.objects.get(email=email))
    return client


@pytest.mark.parametrize(
    "demo_today", TODAYS, indirect=True, ids=lambda today: today.strftime("%a-%d-%b")
)
def test_whatever_the_day_the_demo_has_work_to_do(demo_today: dt.datetime) -> None:
    # One load a day for all three (loading takes seconds): each says what failed.
    assert Cycle.objects.filter(key=demo_cycle_key(demo_today.date())).exists()
    for email in DUE:
        a_manual_and_an_automatic_key_result_are_due(email)
    the_dashboard_shows_every_status_and_reason()
    the_latest_week_arrived_as_webhook_deliveries(demo_today)


@pytest.mark.parametrize("demo_today", [QUARTERS_FIRST_WEEK], indirect=True, ids=["Wed-06-Jan"])
def test_in_a_quarters_first_week_the_demo_has_check_ins_due(demo_today: dt.datetime) -> None:
    assert Cycle.objects.filter(key="2027-Q1").exists()
    for email in DUE:
        a_manual_and_an_automatic_key_result_are_due(email)


def a_manual_and_an_automatic_key_result_are_due(email: str) -> None:
    page = signed_in(email).get("/checkins/").content.decode()
    owned = KeyResult.objects.filter(owner__email=email).select_related("objective")
    # A due key result is a row of the check-in form; a done one is only listed.
    due = {kr for kr in owned if f'id="row-{kr.pk}"' in page}
    assert {kr.ref for kr in due} == DUE[email], email
    assert any(kr.source for kr in due) and any(not kr.source for kr in due), email
    assert "updated automatically" in page
    for kr in owned:
        if kr.ref in DONE[email]:
            assert kr.title in page and kr not in due, kr.ref
    assert len(owned) >= 3


def the_dashboard_shows_every_status_and_reason() -> None:
    lead = Person.objects.get(email="maya@acme.test")
    _, token = ApiToken.issue(lead, "test")
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/dashboard")
    assert response.status_code == 200
    dashboard = response.json()
    counts = dashboard["counts"]["key_results"]
    assert all(counts[status] > 0 for status in ("on_track", "at_risk", "off_track")), counts
    reasons = {reason for item in dashboard["needs_attention"] for reason in item["reasons"]}
    assert reasons == {"off_track", "at_risk", "drifting", "stale", "missed_checkin"}
    drifting = [item for item in dashboard["needs_attention"] if "drifting" in item["reasons"]]
    assert all(item["status"] == "on_track" for item in drifting)
    compliance = dashboard["checkin_compliance"]
    assert 0 < compliance["checked_in"] < compliance["due"]


def the_latest_week_arrived_as_webhook_deliveries(today: dt.datetime) -> None:
    page = signed_in("ceo@acme.test").get("/settings/webhooks/").content.decode()
    listed = list(RawEvent.objects.order_by("-received_at", "-pk")[:50])
    assert len(listed) == 50
    for delivery in listed:
        assert delivery.delivery_id in page
        assert delivery.outcome == "normalised"
        assert today - dt.timedelta(days=7) <= delivery.received_at <= today
    # Even after a weekend the newest is from the last working day.
    assert today - listed[0].received_at < dt.timedelta(days=3, hours=12)
    # Ingestion made the week's deployments from them, as from any delivery.
    week = Deployment.objects.filter(finished_at__gte=today - dt.timedelta(days=6))
    assert week.exists()
    assert not week.filter(raw_event__isnull=True).exists()
