"""The report pages, and the impact on the initiative, key-result and objective pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from okrs.goals.models import Initiative

pytestmark = pytest.mark.django_db


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_signed_out_people_are_sent_to_sign_in(reviewed) -> None:
    for url in ("/reports/", "/reports/2026-Q4/", "/reports/2026-Q4.md"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_viewer_reads_the_report_page(reviewed) -> None:
    response = client_for(reviewed.viewer).get("/reports/2026-Q4/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Make our deployment infrastructure a competitive advantage" in page
    assert "Remote build cache" in page and "Moved the right way" in page
    assert "<svg" in page
    assert "/static/reports/report.css" in page
    # The page obeys the Content-Security-Policy: no inline script, no style attribute.
    assert "<style" not in page and " style=" not in page
    assert "<script>" not in page
    assert 'href="/reports/2026-Q4.md"' in page and 'href="/reports/2026-Q4.json"' in page


def test_the_index_chooses_a_cycle_and_team(reviewed) -> None:
    client = client_for(reviewed.member)
    index = client.get("/reports/")
    assert index.status_code == 200 and 'value="2026-Q4"' in index.content.decode()
    chosen = client.get("/reports/", {"cycle": "2026-Q4", "team": "checkout"})
    assert chosen.status_code == 302 and chosen["Location"] == "/reports/2026-Q4/?team=checkout"
    page = client.get(chosen["Location"]).content.decode()
    assert "Make checkout effortless" in page
    assert "Make our deployment infrastructure" not in page
    assert 'href="/reports/2026-Q4.html?team=checkout"' in page


def test_downloads_in_each_format(reviewed) -> None:
    client = client_for(reviewed.viewer)
    markdown = client.get("/reports/2026-Q4.md")
    assert markdown["Content-Type"].startswith("text/markdown")
    assert markdown["Content-Disposition"] == 'attachment; filename="qbr-2026-Q4.md"'
    assert markdown.content.decode().startswith("# Quarterly business review")
    html = client.get("/reports/2026-Q4.html?team=platform")
    assert html["Content-Disposition"] == 'attachment; filename="qbr-2026-Q4-platform.html"'
    assert "<style>" in html.content.decode() and "@media print" in html.content.decode()
    data = client.get("/reports/2026-Q4.json").json()
    assert data["cycle"]["key"] == "2026-Q4"


def test_unknown_cycle_or_team_is_404(reviewed) -> None:
    client = client_for(reviewed.viewer)
    assert client.get("/reports/2031-Q1/").status_code == 404
    assert client.get("/reports/2031-Q1.json").status_code == 404
    assert client.get("/reports/2026-Q4/?team=nope").status_code == 404
    # A NUL in a query is refused before any view (okrs.security), on every database.
    assert client.get("/reports/2026-Q4/?team=%00").status_code == 400
    assert client.get("/reports/?cycle=%00").status_code == 400


def test_initiative_page_shows_whether_the_metric_moved(reviewed) -> None:
    page = client_for(reviewed.viewer).get("/initiatives/deploys-advantage/build-cache/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Did it move the metric?" in text
    assert (
        "✓ Moved the right way.</strong> Slope changed from +1 hour/week to \u221210 hours/week"
        in text
    )
    assert text.count("right way") == 1  # said once, not by the label and again by a sentence


def test_initiative_page_says_too_few_points_to_tell(reviewed) -> None:
    Initiative.objects.create(
        objective=reviewed.checkout_objective, key="one-click", title="One-click pay",
        key_result=reviewed.conversion, status="done", completed_on=dt.date(2026, 10, 10),
    )  # fmt: skip
    text = (
        client_for(reviewed.viewer)
        .get("/initiatives/checkout-conversion/one-click/")
        .content.decode()
    )
    assert "Too few points to tell" in text
    assert "2 check-ins in the 6 weeks before completion and 3 check-ins after" in text
    assert text.count("Too few points to tell") == 1 and text.count("3 needed") == 1
    assert "needs at least 3 check-ins" not in text


def test_initiative_not_done_has_nothing_to_compare(reviewed) -> None:
    text = (
        client_for(reviewed.viewer).get("/initiatives/deploys-advantage/canary/").content.decode()
    )
    assert "Not done yet" in text


def test_key_result_and_objective_pages_show_the_impact(reviewed) -> None:
    client = client_for(reviewed.viewer)
    kr_page = client.get("/key-results/deploys-advantage/lead-time/").content.decode()
    assert "Moved the right way" in kr_page and "Remote build cache" in kr_page
    objective_page = client.get("/objectives/deploys-advantage/").content.decode()
    assert "Moved the right way" in objective_page
    assert 'href="/initiatives/deploys-advantage/build-cache/"' in objective_page
    assert 'href="/reports/2026-Q4/?team=platform"' in objective_page


# Both are offered from the cycle's last week on (2026-Q4 ends on 31 December).
@time_machine.travel(dt.datetime(2026, 12, 28, 9, 0, tzinfo=dt.UTC), tick=False)
def test_retrospective_and_carry_over_are_offered_to_those_who_may_use_them(reviewed) -> None:
    from django.urls import NoReverseMatch, reverse

    from okrs.goals.models import Cycle, KeyResult

    try:
        retro = reverse("key_result_retrospective", args=["deploys-advantage", "lead-time"])
        carry = reverse("objective_carry_over", args=["deploys-advantage"])
    except NoReverseMatch:
        pytest.skip("the end-of-cycle pages are not installed")
    Cycle.objects.create(key="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))
    KeyResult.objects.filter(pk=reviewed.lead_time.pk).update(retrospective="It halved.")
    owner_view = client_for(reviewed.member).get("/key-results/deploys-advantage/lead-time/")
    assert f'href="{retro}"' in owner_view.content.decode()
    assert "It halved." in owner_view.content.decode()
    viewer_view = client_for(reviewed.viewer).get("/key-results/deploys-advantage/lead-time/")
    assert f'href="{retro}"' not in viewer_view.content.decode()
    assert "It halved." in viewer_view.content.decode()
    lead_view = client_for(reviewed.platform_lead).get("/objectives/deploys-advantage/")
    assert f'action="{carry}"' in lead_view.content.decode()
    assert 'value="2027-Q1"' in lead_view.content.decode()
    assert (
        f'action="{carry}"'
        not in client_for(reviewed.viewer).get("/objectives/deploys-advantage/").content.decode()
    )
