"""The card's other answers: No change, Snooze, and a Save okrs refuses, answered inside the card
with nothing recorded."""

from __future__ import annotations

import datetime as dt

from okrs.channels.teams import cards
from okrs.goals.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeKind
from tests.conftest import World
from tests.teams.cardtools import buttons, inputs, press, text
from tests.teams.conftest import TeamsDriver, linked
from tests.teams.test_round_trip import deliver


def test_no_change_keeps_values_and_confirms_confidence(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time, value=50, confidence="at_risk", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=5),
    )  # fmt: skip
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(card, "No change")
    # No change sends the card's inputs: her last confidence, preselected, is what it confirms.
    assert data[cards.confidence_id(world.lead_time.pk)] == "at_risk"

    answer = teams.invoke(world.member, verb, data).json()

    confirmed = CheckIn.objects.get(key_result=world.lead_time, source="teams")
    assert (confirmed.value, confirmed.confidence, confirmed.at) == (50, "at_risk", frozen_now)
    # The change failure rate has no value yet: "no change" cannot keep one, and says so.
    assert not CheckIn.objects.filter(key_result=world.change_failure_rate).exists()
    shown = text(answer["value"])
    assert "No change" in shown and "At risk" in shown and "has no value yet" in shown
    # A partial "No change" keeps the way to what is left: Update for the change failure rate.
    left = buttons(answer["value"])
    assert set(left) == {"Update", "No change"}
    assert left["Update"]["data"]["krs"] == [[world.change_failure_rate.pk, False]]


def test_snooze_brings_the_nudge_back_tomorrow(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(card, "Snooze")

    answer = teams.invoke(world.member, verb, data).json()

    copy = Nudge.objects.get(person=world.member, kind=NudgeKind.SNOOZED)
    assert copy.due_at - frozen_now >= dt.timedelta(hours=20)
    assert "Snoozed" in text(answer["value"])
    assert copy.due_at.strftime("%Y-%m-%dT%H:%M:%SZ") in text(answer["value"])
    assert not CheckIn.objects.exists()


def test_snoozing_someone_elses_nudge_is_refused(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    _, card = deliver(world, teams, frozen_now)
    linked(teams, world.other_member)
    verb, data = press(card, "Snooze")

    answer = teams.invoke(world.other_member, verb, data).json()

    assert "not yours" in text(answer["value"])
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()


def test_invalid_input_is_answered_inside_the_card_and_nothing_is_recorded(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(
        card,
        "Save",
        {
            cards.value_id(world.lead_time.pk): "40",
            cards.confidence_id(world.lead_time.pk): "on_track",
            cards.note_id(world.lead_time.pk): "keep this note",
            cards.value_id(world.change_failure_rate.pk): "four and a half",
            cards.confidence_id(world.change_failure_rate.pk): "",
        },
    )

    response = teams.invoke(world.member, verb, data)

    assert response.status_code == 200  # Universal Actions: errors travel inside a 200
    answer = response.json()
    assert (answer["statusCode"], answer["type"]) == (
        200,
        "application/vnd.microsoft.card.adaptive",
    )
    again = answer["value"]
    shown = text(again)
    assert "Nothing was saved" in shown
    assert "'four and a half' is not a number." in shown
    assert "Choose on track, at risk or off track." in shown
    fields = inputs(again)
    assert fields[cards.value_id(world.lead_time.pk)]["value"] == 40  # what she typed, kept
    assert fields[cards.note_id(world.lead_time.pk)]["value"] == "keep this note"
    assert set(buttons(again)) == {"Save", "No change", "Snooze"}  # she can correct and save
    assert not CheckIn.objects.exists()


def test_a_refused_check_in_records_none_of_the_card(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """Maya's card carrying owen's key result too (a card is data from the client): she may not
    check in on it, so neither of hers is recorded either."""
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(
        card,
        "Save",
        {
            cards.confidence_id(world.lead_time.pk): "on_track",
            cards.value_id(world.change_failure_rate.pk): "4",
            cards.confidence_id(world.change_failure_rate.pk): "on_track",
            cards.value_id(world.conversion.pk): "2.5",
            cards.confidence_id(world.conversion.pk): "on_track",
        },
    )
    data["krs"].append([world.conversion.pk, False])

    answer = teams.invoke(world.member, verb, data).json()

    assert "Nothing was saved" in text(answer["value"])
    assert not CheckIn.objects.exists()


def test_someone_okrs_does_not_know_is_told_and_nothing_changes(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    from tests.fakes.teams import Member

    _, card = deliver(world, teams, frozen_now)
    stranger = world.viewer
    teams.connector.add_member(Member(id="29:vic", email="someone@elsewhere.test"))
    verb, data = press(card, "No change")

    answer = teams.invoke(stranger, verb, data).json()

    assert "could not match your Teams account" in text(answer["value"])
    assert not CheckIn.objects.exists()


def test_a_refused_save_can_be_sent_again(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """The claim against duplicates is released when nothing was recorded."""
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(card, "Save", {f"kr-{world.lead_time.pk}-confidence": "nope"})
    activity = teams.activity(
        world.member,
        "invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )
    assert "Nothing was saved" in text(teams.post(activity).json()["value"])
    data.update(
        {
            f"kr-{world.lead_time.pk}-confidence": "on_track",
            f"kr-{world.change_failure_rate.pk}-value": "3",
            f"kr-{world.change_failure_rate.pk}-confidence": "on_track",
        }
    )
    assert "Recorded 2" in text(teams.post(activity).json()["value"])
    assert CheckIn.objects.filter(source="teams").count() == 2
