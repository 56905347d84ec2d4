"""Evaluating a whole cycle from the database: time zones, roll-ups, freezing at the end."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import current_cycle, evaluate_cycle
from okrs.goals.models import Cycle, Objective
from okrs.goals.tasks import freeze_ended_cycles


def at(year, month, day, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def test_cycle_runs_from_midnight_to_midnight_in_the_organisation_zone(world) -> None:
    start, end = world.cycle.bounds("Europe/London")
    assert start == dt.datetime(2026, 9, 30, 23, tzinfo=dt.UTC)  # 1 October 00:00 BST
    assert end == dt.datetime(2027, 1, 1, 0, tzinfo=dt.UTC)  # midnight after 31 December, GMT


def test_current_cycle_prefers_the_shortest_running(world) -> None:
    year = Cycle.objects.create(key="2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    world.cycle.parent = year
    world.cycle.save()
    assert current_cycle(at(2026, 11, 1)) == world.cycle
    assert current_cycle(at(2026, 6, 1)) == year
    assert current_cycle(at(2027, 3, 1)) == world.cycle  # the latest that ended


def test_child_aligned_to_a_key_result_does_not_change_scores(world) -> None:
    Objective.objects.create(
        key="under-kr", cycle=world.cycle, level="individual", title="Speed up CI",
        owner=world.member, aligns_to_key_result=world.lead_time,
    )  # fmt: skip
    CheckIn.objects.create(key_result=world.lead_time, value=51, source="web", at=at(2026, 11, 10))
    state = evaluate_cycle(world.cycle, as_of=at(2026, 11, 16)).by_key()
    assert state["deploys-advantage"].score == pytest.approx(0.25)
    assert state["under-kr"].score is None and state["under-kr"].status is None


def test_sync_checkins_update_the_value_but_not_the_confidence(world) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time, value=90, confidence="off_track", source="slack",
        at=at(2026, 11, 12),
    )  # fmt: skip
    CheckIn.objects.create(key_result=world.lead_time, value=20, source="sync", at=at(2026, 11, 15))
    kr = evaluate_cycle(world.cycle, as_of=at(2026, 11, 16)).by_key()["deploys-advantage"]
    lead_time = kr.key_results[0]
    assert lead_time.result.current == 20
    assert lead_time.result.confidence == "off_track"
    assert lead_time.result.status == "off_track"  # the owner's word stands for 10 days


def test_evaluation_at_an_earlier_instant_ignores_later_checkins(world) -> None:
    CheckIn.objects.create(key_result=world.lead_time, value=51, source="web", at=at(2026, 11, 10))
    early = evaluate_cycle(world.cycle, as_of=at(2026, 11, 1)).by_key()["deploys-advantage"]
    assert early.key_results[0].result.current == 96


def test_freezing_an_ended_cycle_keeps_its_final_scores(world) -> None:
    CheckIn.objects.create(key_result=world.lead_time, value=51, source="web", at=at(2026, 12, 20))
    assert freeze_ended_cycles(now=at(2026, 12, 20)) == []
    assert freeze_ended_cycles(now=at(2027, 1, 2)) == ["2026-Q4"]
    world.lead_time.refresh_from_db()
    assert world.lead_time.final_score == pytest.approx(0.5)
    # A second worker (or the next hour) finds nothing left to freeze.
    assert freeze_ended_cycles(now=at(2027, 1, 2)) == []


def test_a_yearly_goal_rolls_up_its_quarterly_objectives(world) -> None:
    year = Cycle.objects.create(key="2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    world.cycle.parent = year
    world.cycle.save()
    world.company_goal.cycle = year
    world.company_goal.save()
    CheckIn.objects.create(key_result=world.lead_time, value=51, source="web", at=at(2026, 11, 10))
    yearly = evaluate_cycle(year, as_of=at(2026, 11, 16)).by_key()
    assert list(yearly) == ["grow-self-serve"]  # only the year's own objectives are listed
    # platform: (0.5 + 0) / 2 = 0.25; checkout: 0; the goal is their mean.
    assert yearly["grow-self-serve"].score == pytest.approx(0.125)
    quarter = evaluate_cycle(world.cycle, as_of=at(2026, 11, 16)).by_key()
    assert "grow-self-serve" not in quarter
    assert quarter["deploys-advantage"].score == pytest.approx(0.25)


def test_a_frozen_cycle_keeps_its_results_and_refuses_check_ins(world) -> None:
    from okrs.goals.checkins.services import CheckInInvalid, record_checkin
    from okrs.org.audit import Actor

    CheckIn.objects.create(key_result=world.lead_time, value=51, source="web", at=at(2026, 12, 20))
    freeze_ended_cycles(now=at(2027, 1, 2))
    CheckIn.objects.create(key_result=world.lead_time, value=6, source="web", at=at(2027, 1, 5))
    later = evaluate_cycle(Cycle.objects.get(pk=world.cycle.pk), as_of=at(2027, 2, 1))
    assert later.by_key()["deploys-advantage"].key_results[0].result.score == pytest.approx(0.5)
    world.lead_time.refresh_from_db()
    with (
        time_machine.travel(at(2027, 1, 3), tick=False),
        pytest.raises(CheckInInvalid, match="frozen"),
    ):
        record_checkin(
            key_result=world.lead_time, value=1, actor=Actor(world.member, "web"),
            at=at(2026, 12, 30),
        )  # fmt: skip
