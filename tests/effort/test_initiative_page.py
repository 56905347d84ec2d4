"""The initiative page: its effort beside its key result's movement, the work linked and how,
and the coach's OKR013 when no work links to it (the pull requests of test_round_trip.py)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import time_machine
from django.test import Client

from okrs.goals.models import Initiative
from okrs.metrics.delivery.models import Service
from okrs.metrics.effort.models import WorkItem
from okrs.org.models import Person
from tests.effort.conftest import AFTER_THE_CYCLE

# Seven weeks into the cycle, the October pull requests merged.
MID_CYCLE = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
CYCLE_START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def page(client: Client, path: str, when: dt.datetime) -> str:
    with time_machine.travel(when, tick=False):
        client.force_login(Person.objects.get(email="maya@acme.test"))
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, title_id: str) -> str:
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def planned_at_the_cycle_start() -> None:
    """Every initiative planned when the cycle began; the runbooks under way since."""
    Initiative.objects.update(created_at=CYCLE_START)
    Initiative.objects.filter(key="runbooks").update(status="in_progress")


def test_the_initiative_page_shows_its_effort_and_its_key_result_over_the_same_weeks(
    delivered, client
):
    html = page(client, "/initiatives/deploys-advantage/canary/", AFTER_THE_CYCLE)

    effort = text(section(html, "effort-title"))
    assert (
        "0.7 person-weeks of engineering over 14 weeks, 2 merged pull requests (17% of the "
        "cycle's engineering effort). Its key result, Reduce deployment lead time from 96 hours "
        "to 6 hours, went from 0% to 50% over the same weeks."
    ) in effort
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td><th[^>]*>([^<]+)</th><td[^>]*>([^<]+)</td>", html)
    assert rows == [
        ("14 Oct 2026", "Update the README with new information.", "branch canary/"),
        ("12 Oct 2026", "Update the README with new information.", "label canary"),
    ]
    for login in ("ana", "ben", "cleo"):
        assert f">{login}<" not in effort


def test_an_initiative_with_no_work_says_how_to_link_it(delivered, client):
    html = page(client, "/initiatives/deploys-advantage/runbooks/", AFTER_THE_CYCLE)

    effort = text(section(html, "effort-title"))
    assert "0.0 person-weeks" in effort
    assert "add a line Initiative: deploys-advantage/runbooks to its pull requests" in effort


def test_the_coach_names_an_initiative_nothing_links_to_after_two_weeks(delivered, client):
    planned_at_the_cycle_start()

    html = page(client, "/initiatives/deploys-advantage/runbooks/", MID_CYCLE)
    coach = text(section(html, "coach-title"))
    # A sentence first, then its severity in words and the rule, as a small label.
    assert (
        "No merged pull request has linked to this initiative in the 50 days since 1 Oct 2026 "
        "(it lists no work). (Warning, rule OKR013)"
    ) in coach
    assert "Warning OKR013" not in coach and "OKR013 no merged" not in coach
    assert "→ List in its work the labels" in coach
    assert "add a line 'Initiative: deploys-advantage/runbooks' to its pull requests" in coach
    assert "drop it or plan the work." in coach
    assert "`" not in coach  # words on a page, not the markdown of a plan's field
    assert "<dt>Status</dt><dd>In progress</dd>" in html  # not "In Progress"
    assert re.search(r"<dt>Completed</dt><dd><span[^>]*>not yet</span></dd>", html)

    objective = page(client, "/objectives/deploys-advantage/", MID_CYCLE)
    assert objective.count('data-rule="OKR013"') == 1  # runbooks; canary and flaky-tests have work
    note = text(objective[objective.index('data-rule="OKR013"') :].split("</p>", 1)[0])
    assert (
        "Coach: No merged pull request has linked to this initiative in the 50 days since" in note
    )
    assert "since 1 Oct 2026" in note and "2026-10-01" not in note
    assert "work field" not in note and "OKR013 no merged" not in note
    assert "(rule OKR013)" in note
    # Linked work ends the warning.
    WorkItem.objects.filter(link_method="").update(
        initiative=Initiative.objects.get(key="runbooks"), link_method="line"
    )
    html = page(client, "/initiatives/deploys-advantage/runbooks/", MID_CYCLE)
    assert 'id="coach-title"' not in html


def test_the_coach_waits_two_weeks_from_when_it_was_planned(delivered, client):
    planned_at_the_cycle_start()
    Initiative.objects.filter(key="runbooks").update(created_at=MID_CYCLE - dt.timedelta(days=13))
    assert 'id="coach-title"' not in page(
        client, "/initiatives/deploys-advantage/runbooks/", MID_CYCLE
    )

    Initiative.objects.filter(key="runbooks").update(created_at=MID_CYCLE - dt.timedelta(days=14))
    assert "in the 14 days since 6 Nov 2026" in page(
        client, "/initiatives/deploys-advantage/runbooks/", MID_CYCLE
    )


def test_the_coach_says_nothing_of_finished_work_past_cycles_or_without_any_work_received(
    delivered, client
):
    planned_at_the_cycle_start()
    runbooks = "/initiatives/deploys-advantage/runbooks/"
    assert 'id="coach-title"' not in page(client, runbooks, AFTER_THE_CYCLE)  # cycle ended

    for status in ("planned", "done", "dropped"):  # not started, or over
        Initiative.objects.filter(key="runbooks").update(status=status)
        assert 'id="coach-title"' not in page(client, runbooks, MID_CYCLE), status

    Initiative.objects.filter(key="runbooks").update(status="in_progress")
    WorkItem.objects.all().delete()  # no webhooks set up: linking is not what is missing
    assert 'id="coach-title"' not in page(client, runbooks, MID_CYCLE)


def test_the_coach_expects_work_only_of_teams_that_ship_code_or_initiatives_listing_it(
    delivered, client
):
    planned_at_the_cycle_start()
    runbooks = "/initiatives/deploys-advantage/runbooks/"
    # The platform team's repository no longer belongs to it: nothing says it ships code.
    Service.objects.filter(key="platform").update(team=None)
    assert 'id="coach-title"' not in page(client, runbooks, MID_CYCLE)

    Initiative.objects.filter(key="runbooks").update(work=["label:runbooks"])
    assert "(it lists label:runbooks)" in page(client, runbooks, MID_CYCLE)
