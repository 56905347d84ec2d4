"""Issue 15's interaction table in Teams, redone through the fake Bot Connector: 3 key results
(one automatic) and 30, each flow counted in presses, and exactly what was recorded; and the
cards at the maximum lengths under Teams' message size. docs/checkins.md gives the table with
these tests' names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from okrs.channels.teams import cards
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult, Objective
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.sender import send_due
from okrs.nudges.services import NO_SNOOZE_LEFT
from tests.chat_checkin_flows import checkins_by, forecast_of, thirty, three
from tests.conftest import World
from tests.teams.cardtools import MAX_CARD_BYTES, buttons, card_bytes, inputs, press, text, valid
from tests.teams.conftest import TeamsDriver, chat_id, linked


def deliver(
    world: World, teams: TeamsDriver, krs: list[KeyResult], now: dt.datetime, **fields: Any
) -> dict[str, Any]:
    """Link Maya, plan her nudge for `krs` and let the real sender deliver it: her card."""
    linked(teams, world.member)
    Nudge.objects.create(
        person=world.member, week_start=now.date(), cycle=world.cycle,
        key_result_ids=[kr.pk for kr in krs], due_at=now, next_attempt_at=now, **fields,
    )  # fmt: skip
    assert send_due(now=lambda: now).sent == 1
    (card,) = teams.connector.cards(chat_id(world.member))
    return card


def answer(teams: TeamsDriver, world: World, card: dict, title: str, values: dict | None = None):
    verb, data = press(card, title, values)
    response = teams.invoke(world.member, verb, data)
    assert response.status_code == 200
    return response.json()["value"]


def test_update_all_of_3_takes_1_press(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, auto = three(world, frozen_now)
    card = deliver(world, teams, [lead_time, cfr, auto], frozen_now)
    fields = inputs(card)
    choice = fields[cards.confidence_id(lead_time.pk)]
    assert choice["value"] == "at_risk"  # her own last answer, labelled so
    assert {"title": "At risk (your last answer)", "value": "at_risk"} in choice["choices"]
    assert "value" not in fields[cards.confidence_id(auto.pk)]  # nobody chose one: empty
    assert cards.value_id(auto.pk) not in fields

    confirmation = answer(teams, world, card, "Save", {
        cards.value_id(lead_time.pk): "40",
        cards.value_id(cfr.pk): "3.5",
        cards.confidence_id(cfr.pk): "at_risk",
        cards.confidence_id(auto.pk): "on_track",
        cards.note_id(auto.pk): "cache landed",
    })  # fmt: skip

    assert teams.interactions == 1
    assert checkins_by("teams") == {
        lead_time.pk: (40, "at_risk", ""),
        cfr.pk: (3.5, "at_risk", ""),
        auto.pk: (7, "on_track", "cache landed"),
    }
    assert "Recorded 3 check-ins" in text(confirmation)
    assert "Nothing else is due" in text(confirmation)
    assert buttons(confirmation) == {}


def test_saving_the_card_untouched_records_no_confidence_nobody_chose(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """The computed status (deploy frequency is behind: at risk) is not preselected."""
    lead_time, cfr, auto = three(world, frozen_now)
    card = deliver(world, teams, [lead_time, cfr, auto], frozen_now)

    again = answer(teams, world, card, "Save")

    assert "Nothing was saved" in text(again)
    assert "Choose on track, at risk or off track." in text(again)
    assert not CheckIn.objects.filter(source="teams").exists()


def test_no_change_for_3_takes_1_press_with_the_missing_confidence_chosen_on_the_card(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """Deploy frequency has no confidence of hers to confirm: the card asks for it, empty, and
    No change sends what she chose with the press."""
    lead_time, cfr, auto = three(world, frozen_now)
    forecast = forecast_of(auto)
    card = deliver(world, teams, [lead_time, cfr, auto], frozen_now)
    choice = inputs(card)[cards.confidence_id(auto.pk)]
    assert "value" not in choice  # nothing chosen for her
    assert buttons(card)["No change"]["associatedInputs"] == "auto"

    chosen = {cards.confidence_id(auto.pk): "at_risk"}
    confirmation = answer(teams, world, card, "No change", chosen)

    assert teams.interactions == 1
    assert checkins_by("teams") == {
        lead_time.pk: (50, "at_risk", ""),
        cfr.pk: (4, "on_track", ""),
        auto.pk: (7, "at_risk", ""),  # the synced value kept, the confidence she chose
    }
    assert CheckIn.objects.filter(key_result=auto).count() == 2  # the sync and her answer
    assert forecast_of(auto) == forecast  # no value point of hers moves it
    assert "No change for 3 key results" in text(confirmation)
    assert "Nothing else is due" in text(confirmation)


def test_no_change_without_the_missing_confidence_records_nothing_and_asks_on_the_card(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, auto = three(world, frozen_now)
    card = deliver(world, teams, [lead_time, cfr, auto], frozen_now)

    asked = answer(teams, world, card, "No change")

    # Nothing recorded, not even the two she could confirm: the card comes back with the
    # automatic one's confidence marked and still empty, the others as they were.
    assert checkins_by("teams") == {}
    assert "Nothing was recorded: choose a confidence" in text(asked)
    assert "No confidence of yours to confirm yet: choose one." in text(asked)
    assert "value" not in inputs(asked)[cards.confidence_id(auto.pk)]
    assert inputs(asked)[cards.confidence_id(lead_time.pk)]["value"] == "at_risk"
    assert set(buttons(asked)) >= {"Save", "No change"}

    chosen = {cards.confidence_id(auto.pk): "on_track"}
    confirmation = answer(teams, world, asked, "No change", chosen)

    assert teams.interactions == 2
    assert checkins_by("teams") == {
        lead_time.pk: (50, "at_risk", ""),
        cfr.pk: (4, "on_track", ""),
        auto.pk: (7, "on_track", ""),
    }
    assert "Nothing else is due" in text(confirmation)


def test_no_change_for_3_already_answered_takes_1_press(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, auto = three(world, frozen_now)
    CheckIn.objects.create(
        key_result=auto, value=7, confidence="on_track", source="web", author=world.member,
        at=frozen_now - dt.timedelta(days=5),
    )  # fmt: skip
    card = deliver(world, teams, [lead_time, cfr, auto], frozen_now)

    confirmation = answer(teams, world, card, "No change")

    assert teams.interactions == 1
    assert checkins_by("teams") == {
        lead_time.pk: (50, "at_risk", ""),
        cfr.pk: (4, "on_track", ""),
        auto.pk: (7, "on_track", ""),
    }
    assert "Nothing else is due" in text(confirmation)


def test_update_all_of_30_takes_3_presses(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    krs = thirty(world, frozen_now)
    card = deliver(world, teams, krs, frozen_now)
    typed = {cards.value_id(kr.pk): str(100 + i) for i, kr in enumerate(krs)}

    second = answer(teams, world, card, "Save", typed)
    assert len(checkins_by("teams")) == 12
    assert "Still due: 18 key results" in text(second)
    third = answer(teams, world, second, "Save", typed)
    assert "Still due: 6 key results" in text(third)
    confirmation = answer(teams, world, third, "Save", typed)

    assert teams.interactions == 3
    assert checkins_by("teams") == {
        kr.pk: (100 + i, "at_risk" if kr == world.lead_time else "on_track", "")
        for i, kr in enumerate(krs)
    }
    assert "Nothing else is due" in text(confirmation)


def test_no_change_for_30_records_all_30_in_1_press(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    krs = thirty(world, frozen_now)
    card = deliver(world, teams, krs, frozen_now)
    assert len(buttons(card)["No change"]["data"]["krs"]) == 12  # 12 on the card...

    confirmation = answer(teams, world, card, "No change")

    assert teams.interactions == 1
    recorded = checkins_by("teams")  # ...and all 30 confirmed
    assert set(recorded) == {kr.pk for kr in krs}
    assert recorded[krs[29].pk] == (30, "on_track", "")
    assert "No change for 30 key results" in text(confirmation)
    assert "Nothing else is due" in text(confirmation)


def test_a_partial_no_change_keeps_update_for_what_is_left(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, _auto = three(world, frozen_now)
    CheckIn.objects.filter(key_result=cfr).delete()  # the change failure rate: no value yet
    card = deliver(world, teams, [lead_time, cfr], frozen_now)

    confirmation = answer(teams, world, card, "No change")
    assert "has no value yet" in text(confirmation)
    form = answer(teams, world, confirmation, "Update")

    assert teams.interactions == 2
    assert list(checkins_by("teams")) == [lead_time.pk]
    assert cards.value_id(cfr.pk) in inputs(form)
    assert cards.value_id(lead_time.pk) not in inputs(form)  # recorded: not due any more


def test_no_snooze_is_offered_when_it_would_come_back_after_the_week(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead_time, _, _ = three(world, frozen_now)
    card = deliver(
        world, teams, [lead_time], frozen_now, expires_at=frozen_now + dt.timedelta(hours=12)
    )
    assert set(buttons(card)) == {"Save", "No change"}
    assert NO_SNOOZE_LEFT in text(card)

    # A Snooze from an older card of the week is refused, and the card stays answerable.
    verb, data = cards.VERB_SNOOZE, buttons(card)["No change"]["data"]
    again = teams.invoke(world.member, verb, data).json()["value"]
    assert NO_SNOOZE_LEFT in text(again)
    assert set(buttons(again)) == {"Save", "No change"}
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()


def longest_key_results(world: World) -> list[KeyResult]:
    """30 key results with the longest titles, keys and units there can be (4-byte characters)."""
    objective = Objective.objects.create(
        key="o" * 100, cycle=world.cycle, level="team", team=world.platform,
        title="🚀" * 500, owner=world.platform_lead,
    )  # fmt: skip
    return KeyResult.objects.bulk_create(
        KeyResult(
            objective=objective,
            key=f"{i:02d}" + "k" * 98,
            title="🚀" * 500,
            owner=world.member,
            kind="increase",
            baseline=0,
            target=10**15,
            unit="🚀" * 32,
            position=i,
        )
        for i in range(30)
    )


def test_cards_at_the_maximum_lengths_stay_under_teams_limit(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """The longest notes typed into a refused Save: every card fits in a Teams message (the
    driver checks each answer too), still with 12 key results, and a cut title links to the key
    result's page."""
    krs = longest_key_results(world)
    card = deliver(world, teams, krs, frozen_now)
    assert card_bytes(card) <= MAX_CARD_BYTES
    assert f"https://okrs.acme.test/key-results/{krs[0].ref}/" in text(card)

    typed: dict[str, str] = {}
    for kr in krs:
        typed[cards.value_id(kr.pk)] = "not a number " + "🚀" * 30
        typed[cards.confidence_id(kr.pk)] = "on_track"
        typed[cards.note_id(kr.pk)] = "🚀" * cards.MAX_NOTE_LENGTH
    refused = answer(teams, world, card, "Save", typed)

    assert "Nothing was saved" in text(refused)
    assert card_bytes(refused) <= MAX_CARD_BYTES
    data = buttons(refused)["No change"]["data"]
    assert [kr_id for kr_id, _ in data["krs"]] == [kr.pk for kr in krs[:12]]
    assert data["rest"] == [kr.pk for kr in krs[12:]]
    assert not CheckIn.objects.filter(source="teams").exists()


def test_update_all_of_30_at_the_maximum_lengths_takes_3_saves(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """Titles, refs and units are cut to make room (the whole of them a link away): 12 key
    results a card at the longest lengths, each card valid and under Teams' limit."""
    krs = longest_key_results(world)
    card = deliver(world, teams, krs, frozen_now)
    typed: dict[str, str] = {}
    for i, kr in enumerate(krs):
        typed[cards.value_id(kr.pk)] = str(10**14 + i)
        typed[cards.confidence_id(kr.pk)] = "at_risk"
        typed[cards.note_id(kr.pk)] = "🚀" * cards.MAX_NOTE_LENGTH

    shown = [card]
    while buttons(shown[-1]).get("Save") and teams.interactions < 5:
        shown.append(answer(teams, world, shown[-1], "Save", typed))

    assert teams.interactions == 3
    assert [len(buttons(c)["Save"]["data"]["krs"]) for c in shown[:-1]] == [12, 12, 6]
    for c in shown:
        valid(c)
        assert card_bytes(c) <= MAX_CARD_BYTES
    assert f"https://okrs.acme.test/key-results/{krs[29].ref}/" in text(shown[2])
    assert checkins_by("teams") == {
        kr.pk: (10**14 + i, "at_risk", "🚀" * cards.MAX_NOTE_LENGTH) for i, kr in enumerate(krs)
    }
    assert "Nothing else is due" in text(shown[-1])
