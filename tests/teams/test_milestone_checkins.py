"""A milestone's check-in in Teams asks "Not done" or "Done", as the web and Slack do, never for a
number: nothing chosen unless a person's latest check-in said it, no choice keeps the current
state, and anything else sent back is refused under the field with nothing recorded. Driven
through the real handler and the fake Bot Connector; every card answered or posted passes the
Adaptive Cards schema (the driver and the `teams` fixture check each one, as here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.channels.teams import cards
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.nudges.models import Nudge
from okrs.nudges.sender import send_due
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.teams.cardtools import inputs, press, text, valid, walk
from tests.teams.conftest import TeamsDriver, chat_id, linked


@pytest.fixture
def milestone(world: World) -> KeyResult:
    return KeyResult.objects.create(
        objective=world.platform_objective, key="self-serve-deploys",
        title="Ship self-serve deploys", owner=world.member, kind="milestone", target=1,
        position=5,
    )  # fmt: skip


def nudge_card(world: World, teams: TeamsDriver, milestone: KeyResult, now: dt.datetime) -> dict:
    """Maya's nudge listing the milestone and lead time, delivered by the real sender: her card."""
    linked(teams, world.member)
    Nudge.objects.create(
        person=world.member, week_start=now.date(), cycle=world.cycle,
        key_result_ids=[milestone.pk, world.lead_time.pk], due_at=now, next_attempt_at=now,
    )  # fmt: skip
    assert send_due(now=lambda: now).sent == 1
    (card,) = teams.connector.cards(chat_id(world.member))
    valid(card)
    return card


def save(
    teams: TeamsDriver, world: World, card: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """Press Save with `values` over what the card holds (a None value: the input left empty,
    which Teams does not send)."""
    verb, data = press(card, "Save", {k: v for k, v in values.items() if v is not None})
    for input_id in [k for k, v in values.items() if v is None]:
        data.pop(input_id, None)
    response = teams.invoke(world.member, verb, data)
    assert response.status_code == 200, response.content
    answered: dict[str, Any] = response.json()["value"]
    valid(answered)
    return answered


def answer(kr: KeyResult, chosen: Any, confidence: str = "on_track") -> dict[str, Any]:
    return {cards.value_id(kr.pk): chosen, cards.confidence_id(kr.pk): confidence}


def lead_time_answer(world: World) -> dict[str, Any]:
    return {
        cards.value_id(world.lead_time.pk): "40",
        cards.confidence_id(world.lead_time.pk): "at_risk",
    }


def choices(element: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["value"], c["title"]) for c in element["choices"]]


def after(card: dict[str, Any], input_id: str) -> dict[str, Any] | None:
    """The item shown right under an input (where an error goes)."""
    for node in walk(card["body"]):
        items = node.get("items") or node.get("body") or []
        for i, item in enumerate(items):
            if item.get("id") == input_id:
                return items[i + 1] if i + 1 < len(items) else None
    raise AssertionError(f"no input {input_id}")


def test_the_card_asks_done_or_not_with_nothing_chosen_and_done_is_preselected_after(
    world: World, teams: TeamsDriver, milestone: KeyResult, frozen_now: dt.datetime
) -> None:
    card = nudge_card(world, teams, milestone, frozen_now)
    assert "Ship self-serve deploys" in text(card) and "Current: not done" in text(card)
    element = inputs(card)[cards.value_id(milestone.pk)]
    assert (element["type"], element["style"], element["label"]) == (
        "Input.ChoiceSet",
        "compact",
        "Done?",
    )
    assert element["isRequired"] is False  # no choice keeps the current state
    assert choices(element) == [("0", "Not done"), ("1", "Done")]
    assert "value" not in element  # it starts at 0, which nobody said
    # The other key results still take a number.
    assert inputs(card)[cards.value_id(world.lead_time.pk)]["type"] == "Input.Number"

    confirmation = save(teams, world, card, answer(milestone, "1") | lead_time_answer(world))

    assert "Recorded 2 check-ins" in text(confirmation)
    assert "Current: done" in text(confirmation)
    done = CheckIn.objects.get(key_result=milestone)
    assert (done.value, done.confidence, done.source) == (1.0, "on_track", "teams")
    assert done.author == world.member
    assert AuditEntry.objects.filter(entity="checkin", ref=milestone.ref).count() == 1

    # The next card (asked for in the chat: nothing is due, so it lists all her key results)
    # starts with what she said, labelled so.
    CheckIn.objects.create(
        key_result=world.change_failure_rate, value=4, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(hours=1),
    )  # fmt: skip
    teams.post(teams.activity(world.member, "message", text="check in"))
    again = teams.connector.cards(chat_id(world.member))[-1]
    valid(again)
    assert "Nothing is due; here are your key results." in text(again)
    element = inputs(again)[cards.value_id(milestone.pk)]
    assert choices(element) == [("0", "Not done"), ("1", "Done (your last answer)")]
    assert element["value"] == "1"


def test_a_synced_value_is_not_preselected(
    world: World, teams: TeamsDriver, milestone: KeyResult, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=milestone, value=1, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=8),
    )  # fmt: skip
    CheckIn.objects.create(
        key_result=milestone, value=0, source="sync", at=frozen_now - dt.timedelta(days=1)
    )
    card = nudge_card(world, teams, milestone, frozen_now)
    element = inputs(card)[cards.value_id(milestone.pk)]
    assert "value" not in element  # the latest check-in is nobody's answer
    assert choices(element) == [("0", "Not done"), ("1", "Done")]


@pytest.mark.parametrize("empty", [None, ""], ids=["not-sent", "empty"])
def test_no_choice_keeps_the_current_state(
    world: World,
    teams: TeamsDriver,
    milestone: KeyResult,
    frozen_now: dt.datetime,
    empty: str | None,
) -> None:
    CheckIn.objects.create(
        key_result=milestone, value=1, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=8),
    )  # fmt: skip
    card = nudge_card(world, teams, milestone, frozen_now)
    assert inputs(card)[cards.value_id(milestone.pk)]["value"] == "1"

    confirmation = save(
        teams, world, card, answer(milestone, empty, "at_risk") | lead_time_answer(world)
    )

    assert "Recorded 2 check-ins" in text(confirmation)
    rows = list(milestone.checkins.order_by("at", "id").values_list("value", "confidence"))
    assert rows == [(1.0, "on_track"), (1.0, "at_risk")]  # the value kept, no new one


@pytest.mark.parametrize("forged", ["2", "abc", "0.5"])
def test_anything_but_a_choice_is_refused_under_the_field(
    world: World,
    teams: TeamsDriver,
    milestone: KeyResult,
    frozen_now: dt.datetime,
    forged: str,
) -> None:
    card = nudge_card(world, teams, milestone, frozen_now)

    refused = save(teams, world, card, answer(milestone, forged) | lead_time_answer(world))

    assert "Nothing was saved" in text(refused)
    error = after(refused, cards.value_id(milestone.pk))
    assert error is not None
    assert (error["type"], error["text"], error["color"]) == (
        "TextBlock",
        "Choose not done or done.",
        "attention",
    )
    assert text(refused).count("Choose not done or done.") == 1  # only under the milestone
    assert "value" not in inputs(refused)[cards.value_id(milestone.pk)]  # the forged one not shown
    assert not CheckIn.objects.exists()  # lead time is not recorded either
