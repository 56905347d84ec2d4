"""The one submission path every page and channel uses, and claiming a button press once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from okrs.channels.interactions import MEMORY, claim_interaction, release_interaction
from okrs.channels.models import HandledInteraction
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import (
    Answer,
    CheckInInvalid,
    CheckInsRefused,
    record_checkin,
    record_checkins,
    record_no_change,
    statuses,
)
from okrs.org.audit import Actor
from okrs.org.permissions import PermissionDenied
from tests.conftest import World


def test_a_submission_records_every_answer(world: World) -> None:
    recorded = record_checkins(
        actor=Actor(world.member, "slack"),
        entries=[
            Answer(world.lead_time.pk, 48, "on_track", "halfway"),
            Answer(world.change_failure_rate.pk, 4, "at_risk"),
        ],
    )
    assert [(c.key_result_id, c.value, c.source) for c in recorded] == [
        (world.lead_time.pk, 48, "slack"),
        (world.change_failure_rate.pk, 4, "slack"),
    ]


def test_one_refused_answer_records_none_and_says_why_for_each(world: World) -> None:
    entries = [
        Answer(world.lead_time.pk, 48, "on_track"),
        Answer(world.conversion.pk, 2.5, "on_track"),  # owen's, not maya's
        Answer(world.change_failure_rate.pk, None, "at_risk"),  # no value yet to keep
        Answer(999_999, 1, "on_track"),
    ]
    with pytest.raises(CheckInsRefused) as refused:
        record_checkins(actor=Actor(world.member, "teams"), entries=entries)
    assert CheckIn.objects.count() == 0
    exc = refused.value
    assert list(exc.errors) == [world.conversion.pk, world.change_failure_rate.pk, 999_999]
    assert exc.errors[999_999] == "This key result no longer exists."
    kr_id, reason = exc.first
    assert kr_id == world.conversion.pk and isinstance(reason, PermissionDenied)
    assert isinstance(exc.refusals[world.change_failure_rate.pk], CheckInInvalid)
    # The value's input, or the confidence's for an answer without a value (automatic).
    fields = exc.by_field(entries, value_field="v{}".format, confidence_field="c{}".format)
    assert set(fields) == {
        f"v{world.conversion.pk}",
        f"c{world.change_failure_rate.pk}",
        "v999999",
    }


def test_no_change_keeps_each_value_and_confirms_its_confidence_on_its_own(world: World) -> None:
    actor = Actor(world.member, "slack")
    record_checkin(key_result=world.lead_time, value=50, actor=actor, confidence="at_risk")
    result = record_no_change(
        actor=actor,
        key_result_ids=[world.lead_time.pk, world.change_failure_rate.pk, 999_999],
        confidences={world.change_failure_rate.pk: "on_track"},  # but it has no value to keep
    )
    [kept] = result.recorded
    assert (kept.key_result_id, kept.value, kept.confidence) == (world.lead_time.pk, 50, "at_risk")
    assert len(result.problems) == 1 and result.problems[0].startswith(
        world.change_failure_rate.title
    )
    assert result.needs_confidence == []


def test_no_change_records_no_confidence_nobody_gave(world: World) -> None:
    actor = Actor(world.member, "slack")
    # A value from a person with no confidence, then a synced one: neither is a confidence to
    # confirm, so "no change" asks for one instead of recording none (or a computed one).
    record_checkin(key_result=world.lead_time, value=50, actor=actor, confidence=None)
    result = record_no_change(actor=actor, key_result_ids=[world.lead_time.pk])
    assert result.recorded == [] and result.problems == []
    assert result.needs_confidence == [world.lead_time]
    assert CheckIn.objects.filter(key_result=world.lead_time).count() == 1


def test_no_change_confirms_the_confidence_given_with_it(world: World) -> None:
    actor = Actor(world.member, "teams")
    record_checkin(key_result=world.lead_time, value=50, actor=actor, confidence="at_risk")
    result = record_no_change(
        actor=actor,
        key_result_ids=[world.lead_time.pk],
        confidences={world.lead_time.pk: "off_track"},
    )
    [kept] = result.recorded
    assert (kept.value, kept.confidence) == (50, "off_track")


def test_no_change_asked_on_the_form_records_nothing_until_every_asked_one_has_a_confidence(
    world: World,
) -> None:
    """The form asked lead time's confidence (there is none to confirm) and the person chose
    none: nothing is recorded, not even the change failure rate she could confirm, so pressing
    again on the form answered back does not confirm it twice."""
    actor = Actor(world.member, "teams")
    record_checkin(key_result=world.lead_time, value=50, actor=actor, confidence=None)
    record_checkin(key_result=world.change_failure_rate, value=4, actor=actor, confidence="at_risk")
    both = [world.lead_time.pk, world.change_failure_rate.pk]
    before = CheckIn.objects.count()

    result = record_no_change(actor=actor, key_result_ids=both, asked=both)

    assert result.refused and result.recorded == []
    assert result.needs_confidence == [world.lead_time]
    assert CheckIn.objects.count() == before

    result = record_no_change(
        actor=actor, key_result_ids=both, confidences={world.lead_time.pk: "on_track"}, asked=both
    )

    assert not result.refused
    assert [(c.key_result_id, c.value, c.confidence) for c in result.recorded] == [
        (world.lead_time.pk, 50, "on_track"),
        (world.change_failure_rate.pk, 4, "at_risk"),
    ]


def test_an_asked_key_result_with_no_value_to_keep_refuses_nothing(world: World) -> None:
    """No change cannot keep a value that does not exist: that is a problem to report, not a
    missing confidence that would hold back the others."""
    actor = Actor(world.member, "teams")
    record_checkin(key_result=world.lead_time, value=50, actor=actor, confidence="at_risk")
    both = [world.lead_time.pk, world.change_failure_rate.pk]  # the latter has no value yet

    result = record_no_change(actor=actor, key_result_ids=both, asked=both)

    assert not result.refused
    assert [c.key_result_id for c in result.recorded] == [world.lead_time.pk]


def test_the_statuses_after_saving_follow_the_order_given(world: World) -> None:
    record_checkin(
        key_result=world.lead_time, value=6, actor=Actor(world.member, "web"), confidence=None
    )
    shown = statuses(
        [world.change_failure_rate.pk, 999_999, world.lead_time.pk], as_of=timezone.now()
    )
    assert [s.key_result.pk for s in shown] == [world.change_failure_rate.pk, world.lead_time.pk]
    assert shown[1].result.current == 6
    assert shown[1].said_by_a_person and not shown[0].said_by_a_person


def test_a_press_is_claimed_once_per_channel(db: None) -> None:
    assert claim_interaction(channel="slack", key="T1/C1/1.2/no_change")
    assert not claim_interaction(channel="slack", key="T1/C1/1.2/no_change")
    assert claim_interaction(channel="teams", key="T1/C1/1.2/no_change")


def test_a_released_press_can_be_tried_again(db: None) -> None:
    assert claim_interaction(channel="teams", key="tenant/29:user/activity")
    release_interaction(channel="teams", key="tenant/29:user/activity")
    assert claim_interaction(channel="teams", key="tenant/29:user/activity")


def test_a_long_key_is_claimed_by_its_beginning(db: None) -> None:
    assert claim_interaction(channel="teams", key="x" * 400)
    assert not claim_interaction(channel="teams", key="x" * 300 + "y" * 100)


def test_old_claims_are_forgotten_as_new_ones_come_in(db: None) -> None:
    HandledInteraction.objects.create(
        channel="slack", key="old", created_at=timezone.now() - MEMORY - dt.timedelta(minutes=1)
    )
    assert claim_interaction(channel="slack", key="new")
    assert list(HandledInteraction.objects.values_list("key", flat=True)) == ["new"]
