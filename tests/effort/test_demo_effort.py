"""The demo's delivery history includes linked and unlinked pull requests: effort shows."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine

from okrs.coach.work import unlinked_initiatives
from okrs.demo.load import load_demo
from okrs.goals.models import Cycle, Initiative
from okrs.metrics.effort.models import WorkItem
from okrs.metrics.effort.selectors import effort_report
from okrs.org.models import Person

TODAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_demo_has_work_linked_by_each_method_and_unlinked_work(
    django_capture_on_commit_callbacks,
) -> None:
    with time_machine.travel(TODAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        load_demo(today=TODAY)
        report = effort_report(Cycle.objects.get(key="2026-Q4"), as_of=TODAY)

    methods = Counter(WorkItem.objects.values_list("link_method", flat=True))
    assert set(methods) == {"label", "branch", "line", ""}
    # The last week arrived as signed generic change events, and became work items too.
    assert WorkItem.objects.filter(raw_event__isnull=False).exists()
    lines = {line.ref: line for line in report.initiatives}
    assert lines["deploys-advantage/canary"].tally.work_items > 0
    assert lines["deploys-advantage/build-cache"].tally.work_items > 0
    assert lines["dependable-service/slo-alerting"].tally.work_items > 0
    assert 0 < report.unlinked.share < 1


@pytest.mark.django_db
def test_the_demo_shows_effort_on_an_initiative_page_and_the_coach_on_one_nothing_links_to(
    django_capture_on_commit_callbacks, client
) -> None:
    with time_machine.travel(TODAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        load_demo(today=TODAY)
        client.force_login(Person.objects.get(email="maya@acme.test"))
        canary = client.get("/initiatives/deploys-advantage/canary/").content.decode()
        warned = unlinked_initiatives(
            Initiative.objects.select_related("objective__cycle"), now=TODAY
        )

    assert "person-weeks of engineering over" in canary
    assert "label canary" in canary
    assert warned, "no demo initiative shows OKR013"
    assert all(finding.rule == "OKR013" for finding in warned.values())
