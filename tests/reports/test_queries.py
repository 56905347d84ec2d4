"""The report reads in a fixed number of queries, however many objectives the cycle holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import Initiative, KeyResult, Objective
from okrs.metrics.delivery.selectors import NAMES_QUERIES
from okrs.reports.build import build_report
from okrs.reports.html import render_html
from okrs.reports.markdown import render_markdown
from tests.dora.factory import deploy, service

# Measured: the evaluation's own reads (with the cache's generation tokens, and the plan and
# check-ins read afresh after the writes of `grow`), then check-ins, retrospectives, alignment
# (2), initiatives, teams' time zones (2), services and the four delivery reads (the incidents
# open while a remediation finished among them), plus what the remediations name, which costs
# one query when there is none and at most NAMES_QUERIES; then effort (okrs.metrics.effort):
# work items, initiatives, objectives, key results and the evaluation of the key results'
# scores at the window's start and end.
MAX_QUERIES = 25 + NAMES_QUERIES


def grow(world, count: int, prefix: str) -> None:
    """`count` more team objectives, each with 3 key results, check-ins and a done initiative."""
    first = dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)
    for n in range(count):
        objective = Objective.objects.create(
            key=f"{prefix}-{n}", cycle=world.cycle, level="team", team=world.platform,
            title=f"Extra objective {n}", owner=world.platform_lead,
            aligns_to_objective=world.platform_objective,
        )  # fmt: skip
        for k in range(3):
            kr = KeyResult.objects.create(
                objective=objective, key=f"kr-{k}", title=f"Key result {k}", owner=world.member,
                kind="increase", baseline=0, target=100, position=k,
            )  # fmt: skip
            CheckIn.objects.bulk_create(
                CheckIn(key_result=kr, value=w * 5, source="web", author=world.member,
                        note=f"week {w}", at=first + dt.timedelta(weeks=w))
                for w in range(7)
            )  # fmt: skip
        Initiative.objects.create(
            objective=objective, key="ship", title="Ship it", key_result=kr, status="done",
            completed_on=dt.date(2026, 10, 26), owner=world.member,
        )  # fmt: skip
    api = service(f"{prefix}-svc", world.platform)
    for day in range(1, 20):
        deploy(api, f"2026-11-{day:02d}T12:00:00", commits=(f"2026-11-{day:02d}T08:00:00",))


def queries(world) -> int:
    with CaptureQueriesContext(connection) as captured:
        report = build_report(cycle=world.cycle)
        render_markdown(report)
        render_html(report)
    return len(captured)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_plan(
    world, at_now, django_assert_max_num_queries
) -> None:
    grow(world, 2, "small")
    queries(world)  # read the plan into the evaluation cache, so `small` and the last compare
    small = queries(world)
    grow(world, 25, "large")
    with django_assert_max_num_queries(MAX_QUERIES):
        report = build_report(cycle=world.cycle)
    assert len(report.objectives) == 3 + 27
    assert queries(world) == small
