"""What a nudge lists: the owner's due key results, prefilled, and snoozing it."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.goals.checkins.services import record_checkin
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.selectors import due_key_results, my_key_results
from okrs.nudges.services import build_message, snooze_nudge
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry
from tests.conftest import World

NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)


def checkin(world: World, kr, value: float, at: dt.datetime, source: str = "web") -> None:
    record_checkin(key_result=kr, value=value, actor=Actor(world.member, source), at=at)


def test_due_lists_owned_key_results_not_checked_in_for_three_days(world: World, frozen_now):
    checkin(world, world.lead_time, 50, NOW - dt.timedelta(days=1))
    checkin(world, world.change_failure_rate, 4, NOW - dt.timedelta(days=4))

    due = due_key_results(person=world.member, now=NOW)

    assert [kr.ref for kr in due] == ["deploys-advantage/change-failure-rate"]
    assert due[0].current == 4  # prefilled with the latest value
    assert due[0].status == "on_track"
    mine = my_key_results(person=world.member, now=NOW)
    assert [kr.ref for kr in mine] == [
        "deploys-advantage/lead-time",
        "deploys-advantage/change-failure-rate",
    ]
    assert mine[0].current == 50


def test_a_sync_does_not_count_as_a_check_in_and_marks_it_automatic(world: World, frozen_now):
    world.lead_time.source = {"type": "prometheus", "query": "x"}
    world.lead_time.save()
    record_checkin(
        key_result=world.lead_time,
        value=40,
        actor=Actor(None, "sync", trusted=True),
        at=NOW - dt.timedelta(hours=1),
    )

    due = {kr.ref: kr for kr in due_key_results(person=world.member, now=NOW)}

    assert due["deploys-advantage/lead-time"].automatic is True
    assert due["deploys-advantage/lead-time"].current == 40
    assert due["deploys-advantage/change-failure-rate"].automatic is False


def test_nothing_is_due_outside_a_running_cycle(world: World):
    after_cycle = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    assert due_key_results(person=world.member, now=after_cycle) == []
    assert due_key_results(person=world.viewer, now=NOW) == []


def make_nudge(world: World, **fields) -> Nudge:
    values = {
        "person": world.member,
        "kind": NudgeKind.NUDGE,
        "week_start": dt.date(2026, 11, 16),
        "cycle": world.cycle,
        "due_at": NOW,
        "next_attempt_at": NOW,
        "state": NudgeState.SENT,
    }
    values.update(fields)
    return Nudge.objects.create(**values)


def test_snooze_brings_the_nudge_back_a_day_later_once(world: World, frozen_now):
    nudge = make_nudge(world)

    until = snooze_nudge(nudge_id=nudge.pk, person=world.member, now=NOW)
    again = snooze_nudge(nudge_id=nudge.pk, person=world.member, now=NOW)

    assert until == again == NOW + dt.timedelta(days=1)
    copies = Nudge.objects.filter(kind=NudgeKind.SNOOZED)
    assert [(c.state, c.due_at) for c in copies] == [("pending", until)]
    assert AuditEntry.objects.filter(entity="nudge", actor=world.member).exists()


def test_snoozing_someone_elses_nudge_is_refused(world: World):
    nudge = make_nudge(world)
    with pytest.raises(LookupError):
        snooze_nudge(nudge_id=nudge.pk, person=world.other_member, now=NOW)
    with pytest.raises(LookupError):
        snooze_nudge(nudge_id=nudge.pk + 1000, person=world.member, now=NOW)
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()


def test_build_message_lists_what_is_due_when_sending(world: World, frozen_now):
    planned_for = [world.lead_time.pk, world.change_failure_rate.pk]
    nudge = make_nudge(world, state=NudgeState.PENDING, key_result_ids=planned_for)
    checkin(world, world.lead_time, 50, NOW - dt.timedelta(hours=2))

    message = build_message(nudge)

    assert message.nudge_id == nudge.pk
    assert message.cycle_name == "Q4 2026"
    assert [kr.ref for kr in message.key_results] == ["deploys-advantage/change-failure-rate"]
    assert message.checkin_url.startswith("http")
    assert "/nudges/checkin/" in message.checkin_url


def test_build_message_lists_only_what_the_nudge_was_planned_for(world: World, frozen_now):
    """A key result that became due after planning waits for its own nudge: the message and its
    email link list the same key results."""
    nudge = make_nudge(world, state=NudgeState.PENDING, key_result_ids=[world.lead_time.pk])

    message = build_message(nudge)

    assert [kr.ref for kr in message.key_results] == ["deploys-advantage/lead-time"]
