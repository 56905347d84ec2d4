"""The demo's delivery history includes linked and unlinked pull requests: effort shows."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html import unescape

import pytest
import time_machine

from okrs.coach.work import unlinked_initiatives
from okrs.demo.load import load_demo
from okrs.goals.models import Cycle, Initiative
from okrs.metrics.effort.models import WorkItem
from okrs.metrics.effort.selectors import RECENT_WORK, effort_report
from okrs.org.models import Person

TODAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_demo_has_work_linked_by_each_method_unlinked_work_and_the_coach_on_it(
    django_capture_on_commit_callbacks, client
) -> None:
    # One load of the demo for all of it: loading takes seconds.
    with time_machine.travel(TODAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        load_demo(today=TODAY)
        report = effort_report(Cycle.objects.get(key="2026-Q4"), as_of=TODAY)
        client.force_login(Person.objects.get(email="maya@acme.test"))
        canary = client.get("/initiatives/deploys-advantage/canary/").content.decode()
        warned = unlinked_initiatives(
            Initiative.objects.select_related("objective__cycle"), now=TODAY
        )

    methods = Counter(WorkItem.objects.values_list("link_method", flat=True))
    assert set(methods) == {"label", "branch", "line", ""}
    # The last week arrived as signed generic change events, and became work items too.
    assert WorkItem.objects.filter(raw_event__isnull=False).exists()
    lines = {line.ref: line for line in report.initiatives}
    assert lines["deploys-advantage/canary"].tally.work_items > 0
    assert lines["deploys-advantage/build-cache"].tally.work_items > 0
    assert lines["dependable-service/slo-alerting"].tally.work_items > 0
    assert 0 < report.unlinked.share < 1
    # The initiative page shows its effort and how its work was linked; some initiative under
    # way has no linked work, and the coach says so.
    assert "person-weeks of engineering over" in canary
    assert "label canary" in canary
    # Its latest work reads like a team's pull requests: each row a title of its own.
    titles = [unescape(t) for t in re.findall(r'<th scope="row">([^<]+)</th>', canary)]
    assert len(titles) == RECENT_WORK
    assert len(set(titles)) == len(titles), Counter(titles).most_common(3)
    assert warned, "no demo initiative shows OKR013"
    assert all(finding.rule == "OKR013" for finding in warned.values())
