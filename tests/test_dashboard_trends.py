"""The dashboard's trends: key results by status and top-level objective scores, week by week.

Figures are worked out by hand from the shared world (tests/conftest.py): 2026-Q4 runs from
1 October (Europe/London), so its weeks end at local midnight on the 8th, 15th, ... of October;
the clocks go back on 25 October, which moves the UTC instant of a week's end but not its day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.goals.checkins.services import record_checkin
from okrs.goals.dashboard import DashboardTrends, build_trends, week_ends
from okrs.goals.evaluation import evaluate_cycle, evaluate_cycle_over
from okrs.goals.models import KeyResult
from okrs.org.audit import Actor
from okrs.org.models import Team
from tests.conftest import NOW, World

UTC = dt.UTC
START = dt.datetime(2026, 9, 30, 23, tzinfo=UTC)  # 1 October, 00:00 in London (summer time)
END = dt.datetime(2027, 1, 1, tzinfo=UTC)  # the midnight after 31 December (winter time)


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=UTC)


@pytest.fixture
def history(world: World, frozen_now: dt.datetime) -> World:
    """lead-time (96 -> 6 hours): at risk on 10 Oct, on track on 20 Oct and 10 Nov; conversion
    (2% -> 3%) off track on 1 Nov; change-failure-rate never checked in (off track all along)."""

    def check_in(kr: KeyResult, value: float, confidence: str, when: dt.datetime) -> None:
        record_checkin(
            key_result=kr, value=value, confidence=confidence, at=when,
            actor=Actor(world.admin, "web"),
        )  # fmt: skip

    check_in(world.lead_time, 80, "at_risk", at(10, 10))
    check_in(world.lead_time, 60, "on_track", at(10, 20))
    check_in(world.lead_time, 40, "on_track", at(11, 10))
    check_in(world.conversion, 2.1, "off_track", at(11, 1))
    return world


def test_weeks_end_at_local_midnight_then_today() -> None:
    instants = week_ends(START, END, NOW, "Europe/London")
    assert instants == [
        dt.datetime(2026, 10, 7, 23, tzinfo=UTC),
        dt.datetime(2026, 10, 14, 23, tzinfo=UTC),
        dt.datetime(2026, 10, 21, 23, tzinfo=UTC),
        dt.datetime(2026, 10, 29, 0, tzinfo=UTC),  # winter time from 25 October
        dt.datetime(2026, 11, 5, tzinfo=UTC),
        dt.datetime(2026, 11, 12, tzinfo=UTC),
        NOW,
    ]


def test_weeks_before_during_and_after_the_cycle() -> None:
    assert week_ends(START, END, START, "Europe/London") == []
    assert week_ends(START, END, START + dt.timedelta(hours=5), "Europe/London") == [
        START + dt.timedelta(hours=5)
    ]
    over = week_ends(START, END, dt.datetime(2027, 2, 1, tzinfo=UTC), "Europe/London")
    # Thirteen whole weeks (the last ends on 31 December), then the cycle's last instant.
    assert len(over) == 14
    assert over[-2] == dt.datetime(2026, 12, 31, tzinfo=UTC)
    assert over[-1] == END - dt.timedelta(microseconds=1)


def trends(world: World, team: Team | None = None) -> DashboardTrends:
    instants = week_ends(START, END, NOW, "Europe/London")
    weeks = evaluate_cycle_over(world.cycle, instants, team=team, organisation=world.org)
    return build_trends(world.cycle.key, NOW, weeks)


def test_status_counts_week_by_week(history: World) -> None:
    figures = trends(history)
    assert [w.date for w in figures.weeks] == [
        "2026-10-07", "2026-10-14", "2026-10-21", "2026-10-28", "2026-11-04", "2026-11-11",
        "2026-11-16",
    ]  # fmt: skip
    assert [(w.on_track, w.at_risk, w.off_track) for w in figures.weeks] == [
        # Under 10% of the cycle gone, pace is on track; change-failure-rate has no value.
        (2, 0, 1),
        # lead-time at risk by its owner's word; conversion has moved nothing by week two.
        (0, 1, 2),
        (1, 0, 2),
        (1, 0, 2),
        # lead-time's word is 15 days old: its pace (40% done of 38% expected) says on track.
        (1, 0, 2),
        (1, 0, 2),
        (1, 0, 2),
    ]
    assert figures.weeks[-1].at == "2026-11-16T12:00:00Z"


def test_objective_scores_week_by_week(history: World) -> None:
    whole = trends(history)
    # Both team objectives align to the company goal: it alone is top-level.
    assert [o.key for o in whole.objectives] == ["grow-self-serve"]
    assert whole.objectives_total == 1
    # The company goal is the mean of its two children's scores.
    platform = [0, (16 / 90) / 2, 0.2, 0.2, 0.2, (56 / 90) / 2, (56 / 90) / 2]
    checkout = [0, 0, 0, 0, 0.1, 0.1, 0.1]
    expected = [(p + c) / 2 for p, c in zip(platform, checkout, strict=True)]
    assert whole.objectives[0].scores == pytest.approx(expected)

    team = trends(history, team=history.platform)
    assert [o.key for o in team.objectives] == ["deploys-advantage"]
    assert team.objectives[0].team == "platform"
    assert team.objectives[0].scores == pytest.approx(platform)
    assert [(w.on_track, w.at_risk, w.off_track) for w in team.weeks][:3] == [
        (1, 0, 1), (0, 1, 1), (1, 0, 1),
    ]  # fmt: skip


def test_each_week_agrees_with_an_evaluation_at_its_end(history: World) -> None:
    instants = week_ends(START, END, NOW, "Europe/London")
    figures = trends(history)
    for instant, week in zip(instants, figures.weeks, strict=True):
        state = evaluate_cycle(history.cycle, as_of=instant, cached=False)
        statuses = [kr.result.status for kr in state.key_results()]
        assert (week.on_track, week.at_risk, week.off_track) == (
            statuses.count("on_track"), statuses.count("at_risk"), statuses.count("off_track"),
        )  # fmt: skip


def test_no_weeks_before_the_cycle_starts(world: World) -> None:
    figures = build_trends(world.cycle.key, START, [])
    assert figures.weeks == [] and figures.objectives == []


def test_the_api_gives_the_trends(history: World) -> None:
    client = history.client_for(history.viewer)
    body = client.get("/api/v1/dashboard/trends?cycle=2026-Q4&team=platform").json()
    assert body["cycle"] == "2026-Q4"
    assert [w["at_risk"] for w in body["weeks"]] == [0, 1, 0, 0, 0, 0, 0]
    assert body["objectives"][0]["key"] == "deploys-advantage"
    assert len(body["objectives"][0]["scores"]) == len(body["weeks"])
    # As of a day in the past (its end), the weeks stop there.
    past = client.get("/api/v1/dashboard/trends?as_of=2026-10-20").json()
    assert [w["date"] for w in past["weeks"]] == [
        "2026-10-07", "2026-10-14", "2026-10-20",
    ]  # fmt: skip
    assert client.get("/api/v1/dashboard/trends?team=nope").status_code == 404
    assert client.get("/api/v1/dashboard/trends?as_of=someday").status_code == 400
    assert client.get("/api/v1/dashboard/trends?cycle=1999-Q1").status_code == 404
